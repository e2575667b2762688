// Run tracking where no cgroup is writable: each run's processes are read from /proc by lineage
// (attribute.ts) once a second while runs are alive, and at every stop, signal and kill. What a
// scan saw keeps its run after it is re-parented; a daemon born and orphaned between scans is not.
import { type ProcInfo, listProcs, readProc } from '../proc.js';
import { type Members, attribute } from './attribute.js';
import type { SignalHost } from '../../host.js';
import type { Forked, RunTracker } from './types.js';

/** How often the process table is read while runs are alive. */
const LINEAGE_SCAN_MS = 1_000;
/** A kill stops the run's processes, reads again (to catch what they forked), then kills. */
const KILL_ROUNDS = 5;

interface Run {
  readonly program: string;
  members: Members;
}

/** Lineage from /proc: parent, group and session links, remembered across re-parenting. */
export class LineageTracker implements RunTracker {
  readonly mode = 'lineage';
  readonly where = '/proc';
  readonly #runs = new Map<number, Run>();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ops: SignalHost,
    private readonly scanMs = LINEAGE_SCAN_MS,
    private readonly read: () => ProcInfo[] = listProcs,
  ) {}

  spawn<T extends Forked>(program: string, fork: () => T): T {
    const child = fork();
    const pid = child.pid;
    if (pid !== undefined) {
      this.#runs.set(pid, { program, members: new Map([[pid, readProc(pid)?.start]]) });
      this.#timer ??= setInterval(() => this.scan(), this.scanMs);
      this.#timer.unref();
    }
    return child;
  }

  /** Reads the process table once and records every run's members; forgets empty runs. */
  scan(): void {
    if (this.#runs.size === 0) return;
    const seeds = new Map([...this.#runs].map(([leader, run]) => [leader, run.members]));
    const found = attribute(this.read(), seeds, this.ops.pid);
    for (const [leader, run] of this.#runs) {
      const members = found.get(leader);
      if (!members || members.size === 0) this.#runs.delete(leader);
      else run.members = members;
    }
    if (this.#runs.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  members(leader: number): number[] {
    this.scan();
    return [...(this.#runs.get(leader)?.members.keys() ?? [])];
  }

  alive(leader: number): boolean {
    this.scan();
    return this.#runs.has(leader);
  }

  kill(leader: number | null, program: string): number {
    const leaders = (): number[] =>
      leader !== null
        ? [leader]
        : [...this.#runs].filter(([, r]) => r.program === program).map(([l]) => l);
    this.scan();
    const targets = leaders().filter((l) => this.#runs.has(l));
    // SIGSTOP first: a stopped process forks nothing more, so the next read sees all it made.
    const stopped = new Set<number>();
    for (let round = 0; round < KILL_ROUNDS; round++) {
      if (round > 0) this.scan();
      let fresh = 0;
      for (const l of targets) {
        for (const pid of this.#runs.get(l)?.members.keys() ?? []) {
          if (stopped.has(pid)) continue;
          stopped.add(pid);
          fresh++;
          this.#send(pid, 'SIGSTOP');
        }
      }
      if (fresh === 0) break;
    }
    for (const pid of stopped) this.#send(pid, 'SIGKILL');
    return targets.length;
  }

  close(): Promise<void> {
    for (const leader of [...this.#runs.keys()]) this.kill(leader, '');
    this.#runs.clear();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    return Promise.resolve();
  }

  #send(pid: number, signal: NodeJS.Signals): void {
    if (pid === this.ops.pid) return;
    try {
      this.ops.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
