// What the edge knows about the programs behind its routes: a live view of each one's state
// kept from the supervisor's events (no lookups per request), and bounded waits for a
// restarting program to become ready again (the `hold` of a route). States come from one
// source (the supervisor's, adapted below) so another one can stand in for it.
import type { State, SupervisorApi, SupervisorEvent } from '../../supervisor/api.js';
import type { UpstreamSource, UpstreamState, UpstreamStatus } from '../../upstreams/api.js';

/** A program's state as the edge reads it. */
export interface SourceStatus {
  readonly state: State;
  readonly ready: boolean;
  /** Epoch ms of the next automatic start attempt while in BACKOFF. */
  readonly nextRetryAt: number | null;
}

/** A change a state source reports: one program's new status, or apposd stopping. */
export type UpstreamChange =
  | { readonly name: string; readonly status: SourceStatus }
  | { readonly name: null; readonly stopping: true };

/**
 * Where the edge reads the state of the programs behind its routes: one lookup by name and
 * change events. The supervisor is one such source ({@link supervisorSource}).
 */
export interface UpstreamStateSource {
  /** The current status of `name`, or undefined when the source does not know it. */
  lookup(name: string): SourceStatus | undefined;
  /** Calls `onChange` on every change; returns the unsubscribe function. */
  subscribe(onChange: (change: UpstreamChange) => void): () => void;
  /** True once apposd is stopping. */
  readonly stopping: boolean;
}

/** The supervisor as an {@link UpstreamStateSource}. */
export function supervisorSource(api: SupervisorApi): UpstreamStateSource {
  const lookup = (name: string): SourceStatus | undefined => api.status([name])[0];
  return {
    lookup,
    get stopping() {
      return api.stopping;
    },
    subscribe(onChange) {
      return api.subscribe((event: SupervisorEvent) => {
        switch (event.type) {
          case 'transition':
            onChange({ name: event.status.name, status: event.status });
            break;
          case 'ready': {
            const now = lookup(event.program);
            if (now) onChange({ name: event.program, status: { ...now, ready: event.ready } });
            break;
          }
          case 'stopping':
          case 'stopped':
            onChange({ name: null, stopping: true });
            break;
          default:
            break;
        }
      });
    },
  };
}

/** One program as the edge sees it; mutated in place as events arrive. */
export interface ProgramView {
  readonly name: string;
  /** Null while the supervisor has never reported this program. */
  state: State | UpstreamState | null;
  ready: boolean;
  /** RUNNING and ready: requests are forwarded. */
  up: boolean;
  /** Has been up at least once since apposd started: a later outage is a restart. */
  wasReady: boolean;
  /** Counts the times the program turned up: tells a request whether it came back since. */
  epoch: number;
  /** Epoch ms of the next automatic start attempt while in BACKOFF. */
  nextRetryAt: number | null;
  /** Set when this is a probed upstream (edge-only mode): its last probe failure, if any. */
  upstream?: { probeError: string | undefined };
}

/** Called once: true when the program became ready, false on timeout or when it cannot. */
export type ReadyCallback = (ready: boolean) => void;

interface Waiter {
  readonly view: ProgramView;
  readonly cb: ReadyCallback;
  timer: NodeJS.Timeout | undefined;
}

/** Live program views for the edge, fed by SupervisorApi events. */
export class UpstreamStates {
  private readonly views = new Map<string, ProgramView>();
  private readonly waiters = new Map<ProgramView, Set<Waiter>>();
  private readonly unsubscribe: () => void;
  private readonly unsubscribeUpstreams: () => void;
  private stopping: boolean;

  /**
   * `maxWaiters` bounds the requests held per program; past it, requests fail at once.
   * `upstreams` (edge-only mode) adds probed upstreams, looked up by name like programs.
   */
  constructor(
    private readonly source: UpstreamStateSource,
    private readonly maxWaiters = 1000,
    private readonly upstreams?: UpstreamSource,
  ) {
    this.stopping = source.stopping;
    this.unsubscribe = source.subscribe((change) => this.onChange(change));
    this.unsubscribeUpstreams = upstreams?.subscribe((s) => this.onUpstream(s)) ?? (() => {});
  }

  /** The view of `name`, created from the source's lookup (unknown state when it has none). */
  view(name: string): ProgramView {
    let v = this.views.get(name);
    if (!v) {
      v = {
        name,
        state: null,
        ready: false,
        up: false,
        wasReady: false,
        epoch: 0,
        nextRetryAt: null,
      };
      this.views.set(name, v);
      const status = this.source.lookup(name);
      const probed = status ? undefined : this.upstreams?.get(name);
      if (status) this.apply(v, status);
      else if (probed) this.onUpstream(probed);
      v.wasReady = v.up || (probed?.wasUp ?? false);
    }
    return v;
  }

  /**
   * True when requests for `view` may wait for it: it was ready before (so this is a restart),
   * it can still come back (not FATAL or STOPPED) and apposd is not shutting down.
   */
  holdable(view: ProgramView): boolean {
    return (
      view.wasReady &&
      !this.stopping &&
      !this.source.stopping &&
      view.state !== 'FATAL' &&
      view.state !== 'STOPPED'
    );
  }

  /**
   * Calls `cb(true)` the next time `view` turns up (from not up), or `cb(false)` after
   * `timeoutMs`, when it goes FATAL, or when apposd stops. Returns a cancel function, or
   * undefined (and never calls `cb`) when the program already has `maxWaiters` waiting.
   */
  waitReady(view: ProgramView, timeoutMs: number, cb: ReadyCallback): (() => void) | undefined {
    let set = this.waiters.get(view);
    if (!set) {
      set = new Set();
      this.waiters.set(view, set);
    }
    if (set.size >= this.maxWaiters) return undefined;
    const waiter: Waiter = { view, cb, timer: undefined };
    const waiting = set;
    waiter.timer = setTimeout(() => {
      if (waiting.delete(waiter)) cb(false);
    }, timeoutMs);
    set.add(waiter);
    return () => {
      if (waiting.delete(waiter)) clearTimeout(waiter.timer);
    };
  }

  /** Number of requests currently waiting for `view`. */
  waiting(view: ProgramView): number {
    return this.waiters.get(view)?.size ?? 0;
  }

  /** Stops following the supervisor and fails every waiter. */
  close(): void {
    this.unsubscribe();
    this.unsubscribeUpstreams();
    this.stopping = true;
    for (const view of this.waiters.keys()) this.release(view, false);
  }

  /** Marks the edge as shutting down: no more holds; current waiters fail. */
  beginShutdown(): void {
    this.stopping = true;
    for (const view of this.waiters.keys()) this.release(view, false);
  }

  private onChange(change: UpstreamChange): void {
    if (change.name === null) this.beginShutdown();
    else this.update(this.view(change.name), change.status);
  }

  /** A probed upstream's check: UP is RUNNING and ready; it was ready when it was ever UP. */
  private onUpstream(s: UpstreamStatus): void {
    const v = this.view(s.name);
    const wasUp = v.up;
    v.state = s.state;
    v.ready = s.state === 'UP';
    v.nextRetryAt = null;
    v.upstream = { probeError: s.probe?.error };
    this.settle(v, wasUp);
  }

  private update(v: ProgramView, status: SourceStatus): void {
    const wasUp = v.up;
    this.apply(v, status);
    this.settle(v, wasUp);
  }

  private apply(v: ProgramView, status: SourceStatus): void {
    v.state = status.state;
    v.ready = status.ready;
    v.nextRetryAt = status.nextRetryAt;
    v.up = status.state === 'RUNNING' && status.ready;
  }

  private settle(v: ProgramView, wasUp: boolean): void {
    v.up = (v.state === 'RUNNING' || v.state === 'UP') && v.ready;
    if (v.up) {
      v.wasReady = true;
      if (!wasUp) {
        v.epoch++;
        this.release(v, true);
      }
    } else if (v.state === 'FATAL') {
      this.release(v, false);
    }
  }

  private release(view: ProgramView, ready: boolean): void {
    const set = this.waiters.get(view);
    if (!set || set.size === 0) return;
    const all = [...set];
    set.clear();
    for (const w of all) {
      clearTimeout(w.timer);
      w.cb(ready);
    }
  }
}
