// Lineage attribution, pure: given one reading of the process table and what was recorded before,
// which live processes belong to which run. A process keeps the run it was recorded with after
// it is re-parented (to apposd, the subreaper), so a daemon seen once before its parent exited stays.
import type { ProcInfo } from '../proc.js';

/** One run's recorded members: pid -> start time (undefined when it could not be read). */
export type Members = ReadonlyMap<number, number | undefined>;

/**
 * The members of each run (keyed by its leader's pid) in `procs`. A live process belongs to a
 * run when it was recorded in it before (same pid and start time: not a reused pid), else when
 * its process group or session is the run's leader, else when its parent belongs to it (not
 * apposd itself, whose children are leaders or orphans). Zombies and `self` belong to nothing.
 */
export function attribute(
  procs: readonly ProcInfo[],
  runs: ReadonlyMap<number, Members>,
  self: number,
): Map<number, Map<number, number | undefined>> {
  const owner = new Map<number, number>();
  const live = procs.filter((p) => p.state !== 'Z' && p.pid !== self);
  for (const p of live) {
    for (const [leader, members] of runs) {
      if (members.has(p.pid) && members.get(p.pid) === p.start) {
        owner.set(p.pid, leader);
        break;
      }
    }
  }
  for (const p of live) {
    if (owner.has(p.pid)) continue;
    if (runs.has(p.pgid) && p.pgid !== self) owner.set(p.pid, p.pgid);
    else if (runs.has(p.sid) && p.sid !== self) owner.set(p.pid, p.sid);
  }
  const children = new Map<number, ProcInfo[]>();
  for (const p of live) {
    if (p.ppid === self || p.ppid === 0) continue;
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const queue = [...owner.keys()];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    const leader = owner.get(pid) as number;
    for (const c of children.get(pid) ?? []) {
      if (owner.has(c.pid)) continue;
      owner.set(c.pid, leader);
      queue.push(c.pid);
    }
  }
  const out = new Map<number, Map<number, number | undefined>>();
  for (const leader of runs.keys()) out.set(leader, new Map());
  const byPid = new Map(live.map((p) => [p.pid, p]));
  for (const [pid, leader] of owner) out.get(leader)?.set(pid, byPid.get(pid)?.start);
  return out;
}
