// apposd as a real PID 1 (unshare --pid --fork --mount-proc): SIGTERM from outside the
// namespace shuts it down gracefully; 200 double-forked orphans are all reaped; exit codes
// of apposd's own children are still reported correctly.
import { readFileSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon, NODE, fixture } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait-for.js';

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

interface Proc {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
}

/** Every process of the outer /proc. */
function procs(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const f = stat.slice(close + 2).split(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      out.push({ pid: Number(name), comm, state: f[0] ?? '', ppid: Number(f[1]) });
    } catch {
      // gone
    }
  }
  return out;
}

/** Zombie children of `ppid`. */
const zombiesOf = (ppid: number): number[] =>
  procs()
    .filter((p) => p.state === 'Z' && p.ppid === ppid)
    .map((p) => p.pid);

/** Children of `ppid` (zombies included) whose command name is `comm`. */
const childrenOf = (ppid: number, comm: string): number[] =>
  procs()
    .filter((p) => p.ppid === ppid && p.comm === comm)
    .map((p) => p.pid);

describe('apposd as PID 1', () => {
  it('reaps 200 orphans without stealing its children exit codes, then stops on SIGTERM', async () => {
    d = Daemon.start(
      `
shutdown_timeout: 5s
programs:
  orphans:
    command: [sh, ${fixture('orphans.sh')}, "200", "6"]
    start_seconds: 100ms
  seven:
    command: [${NODE}, ${fixture('exit-with.mjs')}, "7", "600"]
    restart: never
    start_seconds: 100ms
  victim:
    command: [${NODE}, ${fixture('forever.mjs')}]
    start_seconds: 100ms
`,
      { pid1: true },
    );
    await d.waitState('orphans', 'RUNNING');
    await d.waitState('victim', 'RUNNING');
    const records = d.records();
    expect(records.find((r) => /starting/.test(r.msg))?.pid).toBe(1);
    const outerPid = d.daemonPid();
    expect(outerPid).not.toBe(d.proc.pid);
    // As PID 1 libc (koffi) waits for the first orphan to reap: none has exited yet.
    const koffiLoaded = (): boolean =>
      readFileSync(`/proc/${outerPid}/maps`, 'utf8').includes('koffi');
    expect(koffiLoaded()).toBe(false);

    // apposd's own children: an exit code and a signal, both reported right.
    const seven = await d.waitState('seven', 'EXITED');
    expect(seven.reason).toBe('exited (exit status 7)');
    const victimPid = await waitFor(() => d?.pidOf('victim'));
    expect(victimPid).toBeGreaterThan(1);
    // pids in the log are the namespace's; find the victim from outside by its parent.
    const outerVictim = await waitFor(() =>
      childrenOf(outerPid, 'node').find((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('forever.mjs');
        } catch {
          return false;
        }
      }),
    );
    process.kill(outerVictim, 'SIGKILL');
    const killed = await d.waitState('victim', 'EXITED');
    expect(killed.reason).toBe('exited (killed by SIGKILL)');

    // The orphans (each lives 6 s, long enough to outlast forking 200 and the steps above on a
    // loaded machine) were re-parented to apposd; once they exit, none may be
    // left a zombie: without the reaper all 200 would stay.
    const orphanKids = (): number[] => childrenOf(outerPid, 'sleep');
    await waitFor(() => orphanKids().length >= 100, { what: 'orphans re-parented to apposd' });
    await waitFor(() => orphanKids().length === 0 && zombiesOf(outerPid).length === 0, {
      timeoutMs: 20_000,
      what: 'every orphan reaped',
    });
    expect(koffiLoaded()).toBe(true);

    d.signal('SIGTERM');
    const exit = await d.waitExit(10_000);
    expect(exit.code).toBe(0);
    expect(d.records().some((r) => /received SIGTERM/.test(r.msg))).toBe(true);
  });
});
