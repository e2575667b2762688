// What the edge knows about the programs behind its routes: a live view of each one's state
// kept from the supervisor's events (no lookups per request), and bounded waits for a
// restarting program to become ready again (the `hold` of a route).
import type { ProgramStatus, State, SupervisorApi, SupervisorEvent } from '../supervisor/api.js';
import type { UpstreamSource, UpstreamState, UpstreamStatus } from '../upstreams/api.js';

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
    private readonly api: SupervisorApi,
    private readonly maxWaiters = 1000,
    upstreams?: UpstreamSource,
  ) {
    this.stopping = api.stopping;
    for (const status of api.status()) this.apply(this.view(status.name), status);
    for (const v of this.views.values()) v.wasReady = v.up;
    this.unsubscribe = api.subscribe((event) => this.onEvent(event));
    for (const status of upstreams?.status() ?? []) this.onUpstream(status);
    this.unsubscribeUpstreams = upstreams?.subscribe((s) => this.onUpstream(s)) ?? (() => {});
  }

  /** The view of `name`, created (unknown state) when the supervisor has not reported it. */
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
      !this.api.stopping &&
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

  private onEvent(event: SupervisorEvent): void {
    switch (event.type) {
      case 'transition':
        this.update(this.view(event.status.name), event.status);
        break;
      case 'ready': {
        const v = this.view(event.program);
        const wasUp = v.up;
        v.ready = event.ready;
        this.settle(v, wasUp);
        break;
      }
      case 'stopping':
      case 'stopped':
        this.beginShutdown();
        break;
      default:
        break;
    }
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

  private update(v: ProgramView, status: ProgramStatus): void {
    const wasUp = v.up;
    this.apply(v, status);
    this.settle(v, wasUp);
  }

  private apply(v: ProgramView, status: ProgramStatus): void {
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
