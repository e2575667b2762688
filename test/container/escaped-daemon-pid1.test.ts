// Nothing escapes a stop with apposd as PID 1 (unshare --pid --fork --mount-proc): a daemon that
// forks, calls setsid and forks again under `env -i` dies with its program's stop and restart
// while apposd keeps running, by cgroup where one is writable and by lineage (forced).
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon, alive, fixture } from '../helpers/daemon.js';
import {
  cgroupLeft,
  cgroupOf,
  escapeFacts,
  noWritableCgroup,
  nthDaemon,
  outerPid,
  trackingOf,
} from '../helpers/escaped.js';
import { waitFor } from '../helpers/wait-for.js';

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

const noCgroup = noWritableCgroup();

/** The `n`-th daemon, as this namespace sees it, once it is orphaned to apposd. */
async function daemon(dm: Daemon, n: number): Promise<number> {
  const inner = await waitFor(() => nthDaemon(join(dm.dir, 'keeper.pids'), n), {
    what: `daemon #${n}`,
  });
  const pid = await waitFor(() => outerPid(inner, dm.daemonPid()), {
    what: `daemon ${inner} from outside`,
  });
  await waitFor(() => escapeFacts(pid)?.ppid === dm.daemonPid(), {
    timeoutMs: 15_000,
    what: `daemon ${pid} orphaned to apposd (PID 1)`,
  });
  expect(escapeFacts(pid)?.env.some((e) => e.startsWith('APPOSD_PROGRAM='))).toBe(false);
  return pid;
}

async function stopAndRestart(mode: 'cgroup' | 'lineage'): Promise<void> {
  // Lineage reads /proc once a second: the middle process lingers so a read sees the daemon.
  const linger = mode === 'lineage' ? '2.5' : '0';
  d = Daemon.start(
    `
shutdown_timeout: 6s
programs:
  keeper:
    command: [sh, ${fixture('escape-daemon.sh')}, $DIR/keeper.pids, "${linger}"]
    start_seconds: 100ms
    stop_timeout: 3s
`,
    { pid1: true, env: mode === 'lineage' ? { APPOS_CGROUP: 'off' } : {} },
  );
  const dm = d;
  await dm.waitState('keeper', 'RUNNING');
  expect(dm.records().find((r) => /starting/.test(r.msg))?.pid).toBe(1);
  expect(trackingOf(dm)).toBe(mode);
  const first = await daemon(dm, 1);
  expect(dm.ctl('restart', 'keeper').stdout).toContain('keeper: restarted');
  expect(alive(first)).toBe(false);
  const second = await daemon(dm, 2);
  expect(dm.ctl('stop', 'keeper').stdout).toContain('keeper: stopped');
  expect(alive(second)).toBe(false);
  // apposd keeps running and answers.
  expect(alive(dm.daemonPid())).toBe(true);
  expect(dm.ctl('status', 'keeper').stdout).toMatch(/keeper\s+STOPPED/);
  const where = cgroupOf(dm);
  dm.signal('SIGTERM');
  expect((await dm.waitExit(15_000)).code).toBe(0);
  if (where !== undefined) expect(cgroupLeft(where)).toEqual([]);
}

describe('an escaped daemon with apposd as PID 1', () => {
  it.skipIf(noCgroup !== null)(
    `cgroup: dies with its program's stop and restart; apposd keeps running${noCgroup ? ` (skipped: ${noCgroup})` : ''}`,
    () => stopAndRestart('cgroup'),
  );

  it('lineage (cgroups off): dies with its program stop and restart; apposd keeps running', () =>
    stopAndRestart('lineage'));
});
