// A SupervisorApi fake for HTTP tests: in-memory program statuses that a test flips, with the
// same events the real supervisor emits (transition, ready, stopping). Actions are not run.
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
import { programStatus } from './fake-control.js';

/** What a test says about a program; the rest is filled with a RUNNING, ready daemon. */
export type FakeProgram = Partial<ProgramStatus> & { name: string };

function statusOf(p: FakeProgram): ProgramStatus {
  return programStatus(p.name, p);
}

/** In-memory supervisor whose program states the test controls. */
export class FakeSupervisor implements SupervisorApi {
  stopping = false;
  readonly startedAt = Date.now();
  private readonly programs = new Map<string, ProgramStatus>();
  private readonly listeners = new Set<(event: SupervisorEvent) => void>();
  private readonly entries: JournalEntry[] = [];
  private seq = 0;

  constructor(programs: readonly FakeProgram[] = []) {
    for (const p of programs) this.programs.set(p.name, statusOf(p));
  }

  status(names?: readonly string[]): ProgramStatus[] {
    const all = [...this.programs.values()];
    return names ? all.filter((s) => names.includes(s.name)) : all;
  }

  get(name: string): ProgramStatus | undefined {
    return this.programs.get(name);
  }

  names(): string[] {
    return [...this.programs.keys()];
  }

  /** Every upstream outcome the edge reported, in order. */
  readonly upstreamReports: { program: string; outcome: UpstreamOutcome; failAfter: number }[] = [];

  reportUpstream(program: string, outcome: UpstreamOutcome, failAfter: number): void {
    this.upstreamReports.push({ program, outcome, failAfter });
  }

  /** Changes a program's status and emits what the real supervisor would. */
  set(name: string, patch: Partial<ProgramStatus>): void {
    const before = this.programs.get(name) ?? statusOf({ name, state: 'STOPPED', ready: false });
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

  async start(name: string): Promise<ActionResult> {
    return { name, ok: false, message: 'not supported by the fake' };
  }

  async stop(name: string): Promise<ActionResult> {
    return { name, ok: false, message: 'not supported by the fake' };
  }

  async restart(name: string): Promise<ActionResult> {
    return { name, ok: false, message: 'not supported by the fake' };
  }

  signal(name: string): ActionResult {
    return { name, ok: false, message: 'not supported by the fake' };
  }

  async reload(_programs: readonly ProgramConfig[]): Promise<ReloadResult> {
    return { added: [], changed: [], removed: [] };
  }

  private emit(event: SupervisorEvent): void {
    for (const l of this.listeners) l(event);
  }
}
