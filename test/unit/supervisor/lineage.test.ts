// Run tracking's pure parts: lineage attribution from a ppid map (re-parented processes keep
// their run, reused pids do not), finding apposd's cgroup v2 directory from /proc text, the
// lineage tracker's scans and kills over a fake process table, and the exit's orphan sweep.
import { describe, expect, it } from 'vitest';
import type { ProcInfo } from '../../../src/supervisor/proc.js';
import { attribute } from '../../../src/supervisor/lineage/attribute.js';
import { cgroup2Dir } from '../../../src/supervisor/lineage/cgroup-files.js';
import { LineageTracker } from '../../../src/supervisor/lineage/lineage.js';
import { killAdopted } from '../../../src/supervisor/lineage/tracker.js';

const SELF = 10;
const proc = (pid: number, ppid: number, extra: Partial<ProcInfo> = {}): ProcInfo => ({
  pid,
  ppid,
  pgid: pid,
  sid: pid,
  state: 'S',
  start: pid * 100,
  ...extra,
});
const seed = (...pids: number[]) => new Map(pids.map((p) => [p, p * 100]));

describe('lineage attribution', () => {
  it('follows parents, groups and sessions from each run leader, never apposd', () => {
    const procs = [
      proc(SELF, 1),
      proc(20, SELF), // leader of run 20
      proc(21, 20), // its child
      proc(22, 21, { sid: 22 }), // setsid'd grandchild: still a descendant
      proc(23, 1, { pgid: 20, sid: 20 }), // left the tree but not the group
      proc(30, SELF), // leader of run 30
      proc(31, 30),
      proc(40, SELF), // an orphan nobody recorded
      proc(41, 40),
    ];
    const runs = attribute(
      procs,
      new Map([
        [20, seed(20)],
        [30, seed(30)],
      ]),
      SELF,
    );
    expect([...(runs.get(20)?.keys() ?? [])].sort()).toEqual([20, 21, 22, 23]);
    expect([...(runs.get(30)?.keys() ?? [])].sort()).toEqual([30, 31]);
  });

  it('keeps a recorded process in its run after it is re-parented to apposd', () => {
    // First reading: the double fork is still in the tree (20 -> 21 -> 22).
    const before = attribute(
      [proc(20, SELF), proc(21, 20), proc(22, 21)],
      new Map([[20, seed(20)]]),
      SELF,
    );
    expect([...(before.get(20)?.keys() ?? [])].sort()).toEqual([21, 22, 20].sort());
    // Then the middle and the leader exit; 22 is apposd's child now, in its own session.
    const after = attribute([proc(22, SELF, { sid: 22 })], before, SELF);
    expect([...(after.get(20)?.keys() ?? [])]).toEqual([22]);
  });

  it('drops zombies and does not take a reused pid for the process it was', () => {
    const runs = new Map([[20, seed(20, 22)]]);
    const found = attribute(
      [proc(20, SELF, { state: 'Z' }), proc(22, SELF, { start: 99_999 })],
      runs,
      SELF,
    );
    expect(found.get(20)?.size).toBe(0);
  });
});

describe('cgroup v2 directory', () => {
  const hybrid = [
    '31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
    '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  ].join('\n');

  it('finds the unified mount of a hybrid setup and the pure v2 one', () => {
    expect(cgroup2Dir('4:memory:/x\n0::/\n', hybrid)).toBe('/sys/fs/cgroup/unified');
    expect(cgroup2Dir('0::/system.slice/appos.service\n', hybrid)).toBe(
      '/sys/fs/cgroup/unified/system.slice/appos.service',
    );
    const pure = '25 1 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate';
    expect(cgroup2Dir('0::/\n', pure)).toBe('/sys/fs/cgroup');
  });

  it('maps a bind-mounted subtree and refuses paths outside it', () => {
    const bind = '50 1 0:22 /docker/abc /sys/fs/cgroup ro - cgroup2 cgroup2 rw';
    expect(cgroup2Dir('0::/docker/abc/sub\n', bind)).toBe('/sys/fs/cgroup/sub');
    expect(cgroup2Dir('0::/other\n', bind)).toBeNull();
    expect(cgroup2Dir('0::/../..\n', bind)).toBeNull();
    expect(cgroup2Dir('4:memory:/\n', hybrid)).toBeNull();
    expect(cgroup2Dir('0::/\n', '31 30 0:28 / /x rw - cgroup cgroup rw,cpu')).toBeNull();
  });

  it('reads escaped mount points', () => {
    const spaced = '40 30 0:37 / /mnt/cg\\040two rw - cgroup2 cgroup2 rw';
    expect(cgroup2Dir('0::/a\n', spaced)).toBe('/mnt/cg two/a');
  });
});

describe('the lineage tracker over a fake process table', () => {
  it('records a daemon while its middle process lives, then stops and kills it after', () => {
    let table: ProcInfo[] = [];
    const sent: string[] = [];
    const kill = (pid: number, sig: NodeJS.Signals): void => {
      sent.push(`${sig} ${pid}`);
      if (sig === 'SIGKILL') table = table.filter((p) => p.pid !== pid);
    };
    const t = new LineageTracker({ pid: SELF, kill }, 60_000, () => table);
    const leader = 5_000_000; // no such pid on this machine: its start time reads as unknown
    t.spawn('app', () => ({ pid: leader }));
    table = [proc(leader, SELF, { start: undefined }), proc(21, leader), proc(22, 21, { sid: 21 })];
    expect(t.members(leader).sort()).toEqual([21, 22, leader].sort());
    // The leader and the middle exit: the daemon (22) is apposd's now, and still the run's.
    table = [proc(22, SELF, { sid: 21 })];
    expect(t.alive(leader)).toBe(true);
    expect(t.kill(null, 'app')).toBe(1);
    expect(sent).toEqual(['SIGSTOP 22', 'SIGKILL 22']);
    expect(t.alive(leader)).toBe(false);
    void t.close();
  });
});

describe("apposd's exit", () => {
  it("kills every live child of apposd's, nothing else", () => {
    const sent: number[] = [];
    const n = killAdopted({ pid: SELF, kill: (pid) => void sent.push(pid) }, () => [
      proc(SELF, 1),
      proc(20, SELF),
      proc(21, SELF, { state: 'Z' }),
      proc(22, 20),
      proc(23, 1),
    ]);
    expect(n).toBe(1);
    expect(sent).toEqual([20]);
  });
});
