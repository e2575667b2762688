// In-memory stand-ins for SupervisorApi and LogApi, for testing the control socket and
// appos-ctl at the seam (no real children): states are set by the test, actions are recorded.
import type { LogApi, LogLine, StreamName } from '../../src/log/api.js';
import type {
  ActionResult,
  JournalEntry,
  ProgramStatus,
  ReloadResult,
  SupervisorApi,
  SupervisorEvent,
} from '../../src/supervisor/api.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

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

/** A supervisor whose programs are plain records; actions flip states and are logged in `calls`. */
export class FakeSupervisor implements SupervisorApi {
  readonly programs = new Map<string, Mutable<ProgramStatus>>();
  /** `start:redis`, `stop:backend`, `signal:backend:SIGHUP`, in call order. */
  readonly calls: string[] = [];
  /** Programs whose next start/restart fails with this message. */
  readonly failures = new Map<string, string>();
  readonly entries: JournalEntry[] = [];
  reloadResult: ReloadResult = { added: [], changed: [], removed: [] };
  stopping = false;
  startedAt = Date.now();
  private nextPid = 2000;

  /** Programs in start order. */
  constructor(programs: ProgramStatus[]) {
    for (const p of programs) this.programs.set(p.name, { ...p });
  }

  /** Replaces fields of one program's status. */
  set(name: string, over: Partial<ProgramStatus>): void {
    const p = this.programs.get(name);
    if (!p) throw new Error(`no program ${name}`);
    Object.assign(p, over);
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

  private run(name: string, verb: string, done: string): ActionResult {
    this.calls.push(`${verb}:${name}`);
    const failure = this.failures.get(name);
    if (failure) {
      this.set(name, { state: 'FATAL', pid: null, startedAt: null, reason: failure });
      return { name, ok: false, message: failure };
    }
    const p = this.programs.get(name)!;
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

  reportUpstream(program: string, outcome: string): void {
    this.calls.push(`upstream:${program}:${outcome}`);
  }

  signal(name: string, signal: NodeJS.Signals): ActionResult {
    this.calls.push(`signal:${name}:${signal}`);
    return { name, ok: true, message: `signalled ${signal}` };
  }

  journal(name?: string, limit = 100): JournalEntry[] {
    return this.entries.filter((e) => name === undefined || e.program === name).slice(-limit);
  }

  subscribe(_listener: (event: SupervisorEvent) => void): () => void {
    return () => undefined;
  }

  async reload(): Promise<ReloadResult> {
    return this.reloadResult;
  }
}

/** A log store the test appends to; follows are live. */
export class FakeLogs implements LogApi {
  readonly lines: LogLine[] = [];
  private readonly followers = new Set<{
    program: string | undefined;
    stream: StreamName | undefined;
    listener: (line: LogLine) => void;
  }>();

  /** How many follows are open right now. */
  get followerCount(): number {
    return this.followers.size;
  }

  append(program: string, stream: StreamName, line: string): void {
    const entry = { program, stream, line, at: Date.now() };
    this.lines.push(entry);
    for (const f of this.followers) {
      if ((f.program ?? program) === program && (f.stream ?? stream) === stream) f.listener(entry);
    }
  }

  tail(program: string, n: number, stream?: StreamName): LogLine[] {
    const mine = this.lines.filter(
      (l) => l.program === program && (stream === undefined || l.stream === stream),
    );
    return n === 0 ? [] : mine.slice(-n);
  }

  tailAll(n: number): LogLine[] {
    return n === 0 ? [] : this.lines.slice(-n);
  }

  follow(
    program: string | undefined,
    stream: StreamName | undefined,
    listener: (line: LogLine) => void,
  ): () => void {
    const f = { program, stream, listener };
    this.followers.add(f);
    return () => this.followers.delete(f);
  }
}
