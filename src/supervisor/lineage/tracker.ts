// Picks how runs are tracked (a cgroup per run where cgroup v2 is writable, else lineage from
// /proc) and adds the last backstop at apposd's exit: every orphan adopted by apposd is killed.
import { listProcs } from '../proc.js';
import { CgroupTracker } from './cgroup.js';
import { LineageTracker } from './lineage.js';
import type { Forked, ProcessOps, RunTracker } from './types.js';

/** `auto`: a cgroup where one is writable, else lineage; `off`: lineage only. */
export type CgroupChoice = 'auto' | 'off';

/** The tracker apposd uses, and why it is not cgroup-based when it is not. */
export interface OpenedTracker {
  readonly tracker: RunTracker;
  /** Null in cgroup mode; else why no cgroup is used. */
  readonly fallback: string | null;
}

/** SIGKILLs every live process whose parent is apposd: all that is left of its programs. */
export function killAdopted(ops: ProcessOps, read = listProcs): number {
  let n = 0;
  for (const p of read()) {
    if (p.ppid !== ops.self || p.state === 'Z' || p.pid === ops.self) continue;
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
    private readonly ops: ProcessOps,
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

/** Opens run tracking for apposd: a cgroup when `choice` allows and one is writable. */
export function openRunTracker(ops: ProcessOps, choice: CgroupChoice): OpenedTracker {
  const cgroup =
    choice === 'off' ? 'cgroups turned off (APPOS_CGROUP=off)' : CgroupTracker.open(ops);
  const inner = typeof cgroup === 'string' ? new LineageTracker(ops) : cgroup;
  return {
    tracker: new WithSweep(inner, ops),
    fallback: typeof cgroup === 'string' ? cgroup : null,
  };
}
