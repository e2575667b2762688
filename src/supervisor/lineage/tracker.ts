// Picks how runs are tracked (a cgroup per run where cgroup v2 is writable, else lineage from
// /proc) and adds the last backstop at apposd's exit: every orphan adopted by apposd is killed.
import { listProcs } from '../proc.js';
import { CgroupTracker } from './cgroup.js';
import { LineageTracker } from './lineage.js';
import type { SignalHost } from '../../host.js';
import type { Forked, RunTracker } from './types.js';

/** The tracker apposd uses, and the start log record that says how (and why not by cgroup). */
export interface OpenedTracker {
  readonly tracker: RunTracker;
  readonly record: {
    readonly tracking: RunTracker['mode'];
    readonly where: string;
    /** Null in cgroup mode; else why no cgroup is used. */
    readonly fallback: string | null;
  };
  readonly message: string;
}

/** SIGKILLs every live process whose parent is apposd: all that is left of its programs. */
export function killAdopted(ops: SignalHost, read = listProcs): number {
  let n = 0;
  for (const p of read()) {
    if (p.ppid !== ops.pid || p.state === 'Z' || p.pid === ops.pid) continue;
    try {
      ops.kill(p.pid, 'SIGKILL');
      n++;
    } catch {
      // already gone
    }
  }
  return n;
}

class WithSweep implements RunTracker {
  constructor(
    private readonly inner: RunTracker,
    private readonly ops: SignalHost,
  ) {}
  get mode(): RunTracker['mode'] {
    return this.inner.mode;
  }
  get where(): string {
    return this.inner.where;
  }
  spawn<T extends Forked>(program: string, fork: () => T): T {
    return this.inner.spawn(program, fork);
  }
  members(leader: number): number[] {
    return this.inner.members(leader);
  }
  alive(leader: number): boolean {
    return this.inner.alive(leader);
  }
  kill(leader: number | null, program: string): number {
    return this.inner.kill(leader, program);
  }
  async close(): Promise<void> {
    await this.inner.close();
    killAdopted(this.ops);
  }
}

/**
 * Opens run tracking for apposd: a cgroup unless `choice` (APPOS_CGROUP) is `off` or none is
 * writable, else lineage.
 */
export function openRunTracker(ops: SignalHost, choice: string | undefined): OpenedTracker {
  const cgroup =
    choice === 'off' ? 'cgroups turned off (APPOS_CGROUP=off)' : CgroupTracker.open(ops);
  const inner = typeof cgroup === 'string' ? new LineageTracker(ops) : cgroup;
  const fallback = typeof cgroup === 'string' ? cgroup : null;
  return {
    tracker: new WithSweep(inner, ops),
    record: { tracking: inner.mode, where: inner.where, fallback },
    message: `processes tracked by ${inner.mode}${fallback ? ` (${fallback})` : ''}`,
  };
}
