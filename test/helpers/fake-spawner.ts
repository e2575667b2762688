// A Spawner and a probe factory for unit tests of Program and Supervisor: no process is started.
// Tests decide when a spawn succeeds or fails, when a child exits, and what a probe reports.
import { PassThrough } from 'node:stream';
import type { ProgramConfig } from '../../src/config/types.js';
import type { ProbeOutcome } from '../../src/probes/types.js';
import type { RawExit } from '../../src/supervisor/exit-status.js';
import type { ProbeFactory, ProbeHandle } from '../../src/supervisor/program.js';
import { type ChildHandle, SpawnError, type Spawner } from '../../src/supervisor/spawner.js';

export interface FakeChild {
  readonly program: string;
  readonly pid: number;
  /** Ends the process (the group too, unless `groupLives`). */
  exit(raw?: Partial<RawExit>, groupLives?: boolean): void;
  /** The signals sent to its group, in order. */
  readonly signals: NodeJS.Signals[];
  killed: boolean;
}

interface Pending {
  cfg: ProgramConfig;
  resolve: (c: ChildHandle) => void;
  reject: (e: unknown) => void;
}

/** A spawner whose children are plain objects; `auto` makes spawns succeed at once. */
export class FakeSpawner implements Spawner {
  private nextPid = 1000;
  readonly children: FakeChild[] = [];
  readonly pending: Pending[] = [];
  private readonly groups = new Map<number, boolean>();
  /** Every call, in order: "spawn redis", "signal redis SIGTERM", "kill redis". */
  readonly log: string[] = [];
  /** Programs whose spawns fail with this short cause. */
  readonly failing = new Map<string, string>();

  constructor(private readonly auto = true) {}

  spawn(cfg: ProgramConfig): Promise<ChildHandle> {
    this.log.push(`spawn ${cfg.name}`);
    return new Promise((resolve, reject) => {
      const p = { cfg, resolve, reject };
      if (this.auto) queueMicrotask(() => this.settle(p));
      else this.pending.push(p);
    });
  }

  /** Lets the oldest held spawn go ahead (non-auto spawners). */
  release(): FakeChild | null {
    const p = this.pending.shift();
    return p ? this.settle(p) : null;
  }

  private settle(p: Pending): FakeChild | null {
    const short = this.failing.get(p.cfg.name);
    if (short !== undefined) {
      p.reject(new SpawnError(`spawn ${p.cfg.command[0] ?? ''} ${short}`, short));
      return null;
    }
    const pid = this.nextPid++;
    let end: (raw: RawExit) => void = () => undefined;
    const exit = new Promise<RawExit>((r) => (end = r));
    const child: FakeChild = {
      program: p.cfg.name,
      pid,
      signals: [],
      killed: false,
      exit: (raw = {}, groupLives = false) => {
        this.groups.set(pid, groupLives);
        end({ code: raw.code ?? (raw.signal ? null : 0), signal: raw.signal ?? null });
      },
    };
    this.groups.set(pid, true);
    this.children.push(child);
    p.resolve({ pid, stdout: new PassThrough(), stderr: new PassThrough(), exit });
    return child;
  }

  /** The newest child of `program`. */
  child(program: string): FakeChild {
    const c = this.children.filter((x) => x.program === program).at(-1);
    if (!c) throw new Error(`${program} was never spawned`);
    return c;
  }

  /** Ends the group left behind by a leader that exited with `groupLives`. */
  emptyGroup(pid: number): void {
    this.groups.set(pid, false);
  }

  signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
    const c = this.children.find((x) => x.pid === pgid);
    if (!c || !this.groups.get(pgid)) return false;
    c.signals.push(signal);
    this.log.push(`signal ${c.program} ${signal}`);
    return true;
  }

  killTree(leader: number | null, program: string): number {
    this.log.push(`kill ${program}`);
    const c = this.children.find((x) => x.pid === leader);
    if (c) c.killed = true;
    return c ? 1 : 0;
  }

  groupAlive(pgid: number): boolean {
    return this.groups.get(pgid) ?? false;
  }
}

export interface FakeProbe extends ProbeHandle {
  readonly running: boolean;
  /** Reports one check's result to the program, like a real runner would. */
  report(ok: boolean, error?: string): void;
}

/** Probe runners that only report what the test tells them to. */
export class FakeProbes {
  readonly made: FakeProbe[] = [];

  readonly factory: ProbeFactory = (cfg, onResult) => {
    let failures = 0;
    let running = false;
    let interval = cfg.intervalMs;
    const probe: FakeProbe = {
      get running() {
        return running;
      },
      get intervalMs() {
        return interval;
      },
      start: () => {
        running = true;
        failures = 0;
      },
      stop: () => {
        running = false;
      },
      setInterval: (ms) => {
        interval = ms;
      },
      report: (ok, error) => {
        failures = ok ? 0 : failures + 1;
        const result: ProbeOutcome = ok
          ? { ok, at: Date.now(), latencyMs: 1 }
          : { ok, at: Date.now(), latencyMs: 1, error: error ?? 'refused' };
        onResult(result, failures);
      },
    };
    this.made.push(probe);
    return probe;
  };

  /** The newest running probe (ready or live, whichever the program runs now). */
  get current(): FakeProbe {
    const p = this.made.filter((x) => x.running).at(-1);
    if (!p) throw new Error('no probe is running');
    return p;
  }
}
