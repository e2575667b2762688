// Nothing escapes a stop (apposd not PID 1): a daemon that forks, calls setsid, forks again with
// `env -i` and is orphaned to apposd dies with its program's stop, restart and apposd's SIGTERM,
// and does not pile up when its program's main process exits and is restarted. Both ways of
// attributing it: a cgroup per run (where one is writable) and lineage from /proc (forced).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon, alive, fixture } from '../helpers/daemon.js';
import {
  cgroupLeft,
  cgroupOf,
  daemonPids,
  escapeFacts,
  noWritableCgroup,
  nthDaemon,
  trackingOf,
} from '../helpers/escaped.js';
import { waitFor } from '../helpers/wait-for.js';

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

const noCgroup = noWritableCgroup();

/** A program running escape-daemon.sh: its daemons' pids go to $DIR/<name>.pids. */
const escaper = (name: string, linger = '0', life = ''): string => `
  ${name}:
    command: [sh, ${fixture('escape-daemon.sh')}, $DIR/${name}.pids, "${linger}"${life ? `, "${life}"` : ''}]
    start_seconds: 100ms
    stop_timeout: 3s`;

/** The `n`-th daemon of `name`, once written, checked to have really escaped. */
/** True while a process is in cgroup `dir` or below (false once the cgroup is gone). */
function populated(dir: string): boolean {
  try {
    return readFileSync(join(dir, 'cgroup.events'), 'utf8').includes('populated 1');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

function rmdirIfThere(dir: string): void {
  try {
    rmdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

async function escapedDaemon(dm: Daemon, name: string, n: number): Promise<number> {
  const file = join(dm.dir, `${name}.pids`);
  const pid = await waitFor(() => nthDaemon(file, n), { what: `${name} daemon #${n}` });
  // Orphaned to apposd (the subreaper) once the middle process is gone, in its own session,
  // without apposd's marker: neither the process group nor the environment finds it.
  const facts = await waitFor(
    () => {
      const f = escapeFacts(pid);
      return f && f.ppid === dm.daemonPid() ? f : null;
    },
    { timeoutMs: 15_000, what: `daemon ${pid} orphaned to apposd` },
  );
  expect(facts.sid).not.toBe(dm.pidOf(name));
  expect(facts.env.some((e) => e.startsWith('APPOSD_PROGRAM='))).toBe(false);
  return pid;
}

describe('an escaped daemon (apposd not PID 1)', () => {
  it.skipIf(noCgroup !== null)(
    `cgroup: dies with stop, restart and SIGTERM; an exiting main's daemons do not pile up${noCgroup ? ` (skipped: ${noCgroup})` : ''}`,
    async () => {
      d = Daemon.start(`
shutdown_timeout: 6s
programs:${escaper('keeper')}${escaper('quitter', '0', '1')}
`);
      const dm = d;
      await dm.waitState('keeper', 'RUNNING');
      expect(trackingOf(dm)).toBe('cgroup');
      const where = cgroupOf(dm) as string;
      expect(cgroupLeft(where)).toContain(where);

      const first = await escapedDaemon(dm, 'keeper', 1);
      const restart = dm.ctl('restart', 'keeper');
      expect(restart.stdout).toContain('keeper: restarted');
      // The stop before the start waits for the whole run: the old daemon is gone already.
      expect(alive(first)).toBe(false);
      const second = await escapedDaemon(dm, 'keeper', 2);
      expect(alive(second)).toBe(true);

      const stop = dm.ctl('stop', 'keeper');
      expect(stop.stdout).toContain('keeper: stopped');
      expect(alive(second)).toBe(false);

      // quitter's main process exits after 1 s and is restarted each time: each run's daemon
      // is killed with it, so at most the current run's daemon lives.
      const quitterPids = join(dm.dir, 'quitter.pids');
      await waitFor(() => daemonPids(quitterPids).length >= 4, {
        timeoutMs: 20_000,
        what: 'four runs of quitter',
      });
      const olds = daemonPids(quitterPids).slice(0, -1);
      await waitFor(() => olds.every((p) => !alive(p)), { what: 'old runs daemons gone' });

      expect(dm.ctl('start', 'keeper').stdout).toContain('keeper: started');
      const third = await escapedDaemon(dm, 'keeper', 3);
      const last = daemonPids(quitterPids);
      dm.signal('SIGTERM');
      expect((await dm.waitExit(15_000)).code).toBe(0);
      expect(alive(third)).toBe(false);
      expect(last.filter(alive)).toEqual([]);
      // apposd removed its cgroups on the way out.
      expect(cgroupLeft(where)).toEqual([]);
    },
  );

  it.skipIf(noCgroup !== null)(
    `cgroup: removes what a SIGKILLed apposd left (nothing running in it), keeps a live one${noCgroup ? ` (skipped: ${noCgroup})` : ''}`,
    async () => {
      d = Daemon.start(`
programs:${escaper('keeper')}
`);
      const dm = d;
      await dm.waitState('keeper', 'RUNNING');
      const home = dirname(cgroupOf(dm) as string);
      const stale = join(home, 'apposd-999999-0badc0de');
      const busy = join(home, 'apposd-999998-0c0ffee0');
      mkdirSync(join(stale, 'keeper.1'), { recursive: true });
      const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
      try {
        // The start or exit sweep of another apposd on this machine (other test files run
        // daemons) may remove the busy cgroup while it is still empty, between its mkdir and the
        // sleeper's move: made again until the sleeper is in it.
        await waitFor(
          () => {
            mkdirSync(join(busy, 'keeper.1'), { recursive: true });
            writeFileSync(join(busy, 'keeper.1', 'cgroup.procs'), String(sleeper.pid));
            return true;
          },
          { what: 'the sleeper in the busy cgroup' },
        );
        expect(readFileSync(join(busy, 'cgroup.events'), 'utf8')).toContain('populated 1');
        // apposd sweeps at start and at exit: this one's exit finds both.
        dm.signal('SIGTERM');
        expect((await dm.waitExit(15_000)).code).toBe(0);
        expect(existsSync(stale)).toBe(false);
        expect(existsSync(join(busy, 'keeper.1'))).toBe(true);
      } finally {
        sleeper.kill('SIGKILL');
        // Once it is empty, the start or exit sweep of any other apposd on this machine (other
        // test files run daemons too) may remove it first: gone counts as empty and removed.
        await waitFor(() => !populated(busy));
        rmdirIfThere(join(busy, 'keeper.1'));
        rmdirIfThere(busy);
      }
    },
  );

  it('lineage (cgroups off): a daemon seen before its middle process exited dies with stop and restart', async () => {
    d = Daemon.start(
      `
shutdown_timeout: 6s
programs:${escaper('keeper', '2.5')}
`,
      { env: { APPOS_CGROUP: 'off' } },
    );
    const dm = d;
    await dm.waitState('keeper', 'RUNNING');
    expect(trackingOf(dm)).toBe('lineage');
    // The middle process lingers 2.5 s: scans (every second) record the daemon meanwhile.
    const first = await escapedDaemon(dm, 'keeper', 1);
    expect(dm.ctl('restart', 'keeper').stdout).toContain('keeper: restarted');
    expect(alive(first)).toBe(false);
    const second = await escapedDaemon(dm, 'keeper', 2);
    expect(dm.ctl('stop', 'keeper').stdout).toContain('keeper: stopped');
    expect(alive(second)).toBe(false);
    dm.signal('SIGTERM');
    expect((await dm.waitExit(15_000)).code).toBe(0);
  });

  it("lineage's limit: a daemon orphaned between two scans dies at apposd's exit at the latest", async () => {
    d = Daemon.start(
      `
shutdown_timeout: 6s
programs:${escaper('keeper', '0')}
`,
      { env: { APPOS_CGROUP: 'off' } },
    );
    const dm = d;
    await dm.waitState('keeper', 'RUNNING');
    const daemon = await escapedDaemon(dm, 'keeper', 1);
    dm.signal('SIGTERM');
    expect((await dm.waitExit(15_000)).code).toBe(0);
    expect(alive(daemon)).toBe(false);
  });
});
