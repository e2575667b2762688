// Run tracking by cgroup v2 where one is writable: each run gets its own cgroup under apposd's
// (`<apposd's cgroup>/apposd-<pid>-<id>/<program>.<n>`), entered race-free at the fork, so nothing
// the run starts can leave it (setsid, double fork, env -i). No controllers, no timers.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroup2Dir, readPids, removeDir, sweepStale } from './cgroup-files.js';
import type { SignalHost } from '../../host.js';
import type { Forked, RunTracker } from './types.js';

/** How long apposd's exit waits for its runs' cgroups to empty after killing them. */
const CLOSE_WAIT_MS = 2_000;

interface Run {
  readonly program: string;
  readonly dir: string;
}

/** One cgroup per run; the kernel knows every member, however it left its process group. */
export class CgroupTracker implements RunTracker {
  readonly mode = 'cgroup';
  readonly #runs = new Map<number, Run>();
  /** Cgroups of runs that ended (or never ran) but were not empty yet when last looked at. */
  readonly #leftovers = new Set<string>();
  #seq = 0;

  private constructor(
    private readonly ops: SignalHost,
    /** apposd's own cgroup, where it returns after each fork. */
    private readonly home: string,
    /** The cgroup holding every run's cgroup. */
    readonly where: string,
  ) {}

  /**
   * Makes apposd's cgroup and checks that apposd may move in and out of it; the reason (for the
   * log) when cgroup v2 is missing, read-only or not ours to change.
   */
  static open(ops: SignalHost): CgroupTracker | string {
    let home: string | null;
    try {
      home = cgroup2Dir(
        readFileSync('/proc/self/cgroup', 'utf8'),
        readFileSync('/proc/self/mountinfo', 'utf8'),
      );
    } catch (err) {
      return `cannot read /proc/self: ${(err as Error).message}`;
    }
    if (home === null) return 'no cgroup2 hierarchy holds apposd';
    const where = join(home, `apposd-${ops.pid}-${randomBytes(4).toString('hex')}`);
    try {
      mkdirSync(where);
    } catch (err) {
      return `cannot create a cgroup in ${home} (${(err as NodeJS.ErrnoException).code ?? err})`;
    }
    const tracker = new CgroupTracker(ops, home, where);
    let why: string | null = null;
    try {
      tracker.#enter(where);
    } catch (err) {
      why = `cannot move apposd between cgroups (${(err as NodeJS.ErrnoException).code ?? err})`;
    }
    if (!tracker.#goHome()) why = `cannot move apposd back to ${home}`;
    if (why === null) {
      sweepStale(home, where);
      return tracker;
    }
    removeDir(where);
    return why;
  }

  spawn<T extends Forked>(program: string, fork: () => T): T {
    this.#prune();
    const dir = join(this.where, `${program.replace(/[^\w.-]/g, '_')}.${++this.#seq}`);
    try {
      this.#makeAndEnter(dir);
    } catch {
      // Not placed: the run is tracked by its process group alone.
      this.#goHome();
      removeDir(dir);
      return fork();
    }
    // node forks synchronously inside spawn(): the child is born in `dir`, then apposd leaves.
    let child: T;
    try {
      child = fork();
    } finally {
      this.#goHome();
    }
    if (child.pid === undefined) {
      if (!removeDir(dir)) this.#leftovers.add(dir);
    } else {
      const old = this.#runs.get(child.pid);
      if (old) this.#leftovers.add(old.dir);
      this.#runs.set(child.pid, { program, dir });
    }
    return child;
  }

  members(leader: number): number[] {
    const run = this.#runs.get(leader);
    return run ? readPids(run.dir).filter((pid) => pid !== this.ops.pid) : [];
  }

  alive(leader: number): boolean {
    const run = this.#runs.get(leader);
    if (!run) return false;
    if (readPids(run.dir).length > 0) return true;
    this.#runs.delete(leader);
    if (!removeDir(run.dir)) this.#leftovers.add(run.dir);
    return false;
  }

  kill(leader: number | null, program: string): number {
    let n = 0;
    for (const [l, run] of this.#runs) {
      if (leader !== null ? l !== leader : run.program !== program) continue;
      if (this.#killDir(run.dir)) n++;
    }
    return n;
  }

  async close(): Promise<void> {
    const dirs = [...[...this.#runs.values()].map((r) => r.dir), ...this.#leftovers];
    this.#runs.clear();
    this.#leftovers.clear();
    for (const dir of dirs) this.#killDir(dir);
    const deadline = Date.now() + CLOSE_WAIT_MS;
    while (dirs.some((d) => readPids(d).length > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      for (const dir of dirs) this.#killDir(dir);
    }
    for (const dir of dirs) removeDir(dir);
    removeDir(this.where);
    sweepStale(this.home, this.where);
  }

  /** SIGKILLs everything in `dir` (cgroup.kill where the kernel has it); false when empty. */
  #killDir(dir: string): boolean {
    const pids = readPids(dir);
    if (pids.length === 0) return false;
    // apposd itself is only ever inside a run's cgroup during a fork; never kill it by cgroup.
    if (!pids.includes(this.ops.pid) && existsSync(join(dir, 'cgroup.kill'))) {
      try {
        writeFileSync(join(dir, 'cgroup.kill'), '1');
        return true;
      } catch {
        // fall back to one signal each
      }
    }
    for (const pid of pids) {
      if (pid === this.ops.pid) continue;
      try {
        this.ops.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    return true;
  }

  /** Removes the cgroups of runs that are over and empty. */
  #prune(): void {
    for (const dir of this.#leftovers) if (removeDir(dir)) this.#leftovers.delete(dir);
    for (const [leader, run] of this.#runs) {
      if (readPids(run.dir).length === 0) this.alive(leader);
    }
  }

  /** Makes the run's cgroup (and apposd's, if a sweep removed it meanwhile) and enters it. */
  #makeAndEnter(dir: string): void {
    for (let attempt = 0; ; attempt++) {
      try {
        mkdirSync(dir, { recursive: true });
        this.#enter(dir);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) throw err;
      }
    }
  }

  #enter(dir: string): void {
    writeFileSync(join(dir, 'cgroup.procs'), String(this.ops.pid));
  }

  /** Moves apposd back to its own cgroup (tried twice); false when it could not. */
  #goHome(): boolean {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        this.#enter(this.home);
        return true;
      } catch {
        // once more
      }
    }
    return false;
  }
}
