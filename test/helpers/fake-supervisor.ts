// The one in-memory SupervisorApi for tests at the seam (control socket, appos-ctl, HTTP edge):
// program statuses the test sets, the events the real supervisor emits on every change
// (transition, ready, stopping), and actions that flip states and are recorded in `calls`.
import type { ProgramConfig } from '../../src/config/types.js';
import type {
  ActionResult,
  JournalEntry,
  ProgramStatus,
  ReloadResult,
  SupervisorApi,
  SupervisorEvent,
  UpstreamOutcome,
} from '../../src/supervisor/api.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What a test says about a program; the rest is filled with a RUNNING, ready daemon. */
export type FakeProgram = Partial<ProgramStatus> & { name: string };

/** A RUNNING, ready daemon with sensible defaults; `over` replaces any field. */
export function programStatus(name: string, over: Partial<ProgramStatus> = {}): ProgramStatus {
  return {
    name,
    kind: 'daemon',
    state: 'RUNNING',
    ready: true,
    healthy: true,
    pid: 1000 + name.length,
    startedAt: Date.now() - 60_000,
    restarts: 0,
    critical: false,
    lastExit: null,
    nextRetryAt: null,
    reason: '',
    completed: false,
    readyProbe: null,
    liveProbe: null,
    ...over,
  };
}

/** In-memory supervisor whose program states the test controls. */
export class FakeSupervisor implements SupervisorApi {
  /** Programs in start order. */
  readonly programs = new Map<string, Mutable<ProgramStatus>>();
  /** `start:redis`, `stop:backend`, `signal:backend:SIGHUP`, `upstream:backend:reset`, in order. */
  readonly calls: string[] = [];
  /** Every upstream outcome the edge reported, in order. */
  readonly upstreamReports: { program: string; outcome: UpstreamOutcome; failAfter: number }[] = [];
  /** Programs whose next start/restart fails with this message. */
  readonly failures = new Map<string, string>();
  /** The journal: state changes made through `set`, and whatever the test pushes. */
  readonly entries: JournalEntry[] = [];
  reloadResult: ReloadResult = { added: [], changed: [], removed: [] };
  stopping = false;
  startedAt = Date.now();
  private readonly listeners = new Set<(event: SupervisorEvent) => void>();
  private seq = 0;
  private nextPid = 2000;

  constructor(programs: readonly FakeProgram[] = []) {
    for (const p of programs) this.programs.set(p.name, programStatus(p.name, p));
  }

  status(names?: readonly string[]): ProgramStatus[] {
    const all = [...this.programs.values()].map((p) => ({ ...p }));
    return names ? all.filter((p) => names.includes(p.name)) : all;
  }

  get(name: string): ProgramStatus | undefined {
    const p = this.programs.get(name);
    return p && { ...p };
  }

  names(): string[] {
    return [...this.programs.keys()];
  }

  /** Changes a program's status (adding it, STOPPED, when unknown) and emits what the real supervisor would. */
  set(name: string, patch: Partial<ProgramStatus>): void {
    const before =
      this.programs.get(name) ?? programStatus(name, { state: 'STOPPED', ready: false });
    const after: ProgramStatus = { ...before, ...patch, name };
    this.programs.set(name, after);
    if (after.state !== before.state) {
      const entry: JournalEntry = {
        seq: ++this.seq,
        at: Date.now(),
        program: name,
        run: after.restarts + 1,
        from: before.state,
        to: after.state,
        reason: after.reason,
      };
      this.entries.push(entry);
      this.emit({ type: 'transition', entry, status: after });
    }
    if (after.ready !== before.ready)
      this.emit({ type: 'ready', program: name, ready: after.ready });
  }

  /** RUNNING and ready (a fresh process). */
  up(name: string, pid = 4242): void {
    const restarts = (this.programs.get(name)?.restarts ?? -1) + 1;
    this.set(name, { state: 'STARTING', ready: false, pid, startedAt: Date.now(), restarts });
    this.set(name, { state: 'RUNNING', ready: true });
  }

  /** Not ready, in `state` (BACKOFF by default), as after a crash. */
  down(
    name: string,
    state: ProgramStatus['state'] = 'BACKOFF',
    nextRetryAt: number | null = null,
  ): void {
    this.set(name, { state, ready: false, pid: null, nextRetryAt });
  }

  /** apposd begins its shutdown. */
  beginStopping(): void {
    this.stopping = true;
    this.emit({ type: 'stopping' });
  }

  subscribe(listener: (event: SupervisorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Number of current subscribers (the edge must unsubscribe on close). */
  get subscribers(): number {
    return this.listeners.size;
  }

  journal(name?: string, limit = 100): JournalEntry[] {
    return this.entries.filter((e) => name === undefined || e.program === name).slice(-limit);
  }

  private run(name: string, verb: string, done: string): ActionResult {
    this.calls.push(`${verb}:${name}`);
    const failure = this.failures.get(name);
    if (failure) {
      this.set(name, { state: 'FATAL', pid: null, startedAt: null, reason: failure });
      return { name, ok: false, message: failure };
    }
    const p = this.programs.get(name);
    if (!p) return { name, ok: false, message: 'no such program' };
    const restarts = p.pid === null && p.lastExit === null ? p.restarts : p.restarts + 1;
    this.set(name, {
      state: 'RUNNING',
      ready: true,
      pid: this.nextPid++,
      startedAt: Date.now(),
      restarts,
      reason: '',
    });
    return { name, ok: true, message: done };
  }

  async start(name: string): Promise<ActionResult> {
    return this.run(name, 'start', 'started');
  }

  async restart(name: string): Promise<ActionResult> {
    return this.run(name, 'restart', 'restarted');
  }

  async stop(name: string): Promise<ActionResult> {
    this.calls.push(`stop:${name}`);
    this.set(name, {
      state: 'STOPPED',
      ready: false,
      pid: null,
      startedAt: null,
      reason: 'stopped by appos-ctl',
      lastExit: { code: null, signal: 'SIGTERM', at: Date.now(), expected: true },
    });
    return { name, ok: true, message: 'stopped' };
  }

  signal(name: string, signal: NodeJS.Signals): ActionResult {
    this.calls.push(`signal:${name}:${signal}`);
    return { name, ok: true, message: `signalled ${signal}` };
  }

  reportUpstream(program: string, outcome: UpstreamOutcome, failAfter: number): void {
    this.calls.push(`upstream:${program}:${outcome}`);
    this.upstreamReports.push({ program, outcome, failAfter });
  }

  async reload(_programs: readonly ProgramConfig[] = []): Promise<ReloadResult> {
    return this.reloadResult;
  }

  private emit(event: SupervisorEvent): void {
    for (const l of this.listeners) l(event);
  }
}
