// `appos-ctl tail` and `logs` against the real apposd: `-n 5` prints exactly the last five
// lines, `-f` streams what the backend prints after the command started (on SIGUSR1/SIGUSR2
// sent through `appos-ctl signal`), per stream.
import { afterEach, describe, expect, it } from 'vitest';
import type { LogsResponse } from '../../src/control/protocol.js';
import { Daemon } from '../helpers/daemon.js';
import { STACK, ctl, lines, stackConfig, stackPorts, waitUp } from '../helpers/ctl-stack.js';
import { type RunningCtl, spawnCtl } from '../helpers/run-ctl.js';
import { waitFor } from '../helpers/wait-for.js';

let d: Daemon | undefined;
const followers: RunningCtl[] = [];
afterEach(async () => {
  for (const f of followers.splice(0)) if (f.child.exitCode === null) f.child.kill('SIGKILL');
  await d?.cleanup();
  d = undefined;
});

/** Starts the stack with a backend that printed `line 1` ... `line 12`, all of them read. */
async function startStack(): Promise<Daemon> {
  const daemon = Daemon.start(stackConfig(await stackPorts(), '', { backendLines: 12 }));
  d = daemon;
  await waitUp(daemon, STACK);
  await waitFor(async () => {
    const r = await daemon.api<LogsResponse>('/v1/logs?name=backend&lines=100');
    return r.lines.some((l) => l.line === 'line 12');
  });
  return daemon;
}

function follow(daemon: Daemon, args: string[]): RunningCtl {
  const f = spawnCtl(['--socket', daemon.socket, ...args], { timeoutMs: 30_000 });
  followers.push(f);
  return f;
}

describe('tail', () => {
  it('-n 5 prints exactly the last five lines', async () => {
    const daemon = await startStack();
    const r = await ctl(daemon, 'tail', '-n', '5', 'backend');
    expect([r.code, r.stdout, r.stderr]).toEqual([
      0,
      'line 8\nline 9\nline 10\nline 11\nline 12\n',
      '',
    ]);
    const ten = await ctl(daemon, 'tail', 'backend', 'stdout');
    expect(lines(ten.stdout)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i + 3}`));
    expect((await ctl(daemon, 'tail', 'backend', 'stderr')).stdout).toBe('');
  });

  it('-f streams the lines the backend prints after it started, until SIGINT (exit 0)', async () => {
    const daemon = await startStack();
    const all = follow(daemon, ['tail', '-f', '-n', '1', 'backend']);
    const out = follow(daemon, ['tail', '-f', '-n', '1', 'backend', 'stdout']);
    await waitFor(() => all.stdout === 'line 12\n' && out.stdout === 'line 12\n', {
      what: 'the backlog line in both followers',
    });
    const signalled = await ctl(daemon, 'signal', 'USR1', 'backend');
    expect([signalled.code, signalled.stdout]).toEqual([0, 'backend: signalled SIGUSR1\n']);
    await waitFor(() => all.stdout.includes('usr1 1\n'), { what: 'usr1 1' });
    await ctl(daemon, 'signal', 'USR2', 'backend');
    await waitFor(() => all.stdout.includes('usr2 1\n'), { what: 'usr2 1 (stderr)' });
    await ctl(daemon, 'signal', 'SIGUSR1', 'backend');
    await waitFor(() => all.stdout.includes('usr1 2\n') && out.stdout.includes('usr1 2\n'), {
      what: 'usr1 2',
    });
    all.child.kill('SIGINT');
    out.child.kill('SIGINT');
    const [a, o] = await Promise.all([all.exited, out.exited]);
    expect([a.code, a.stderr]).toEqual([0, '']);
    expect(a.stdout).toBe('line 12\nusr1 1\nusr2 1\nusr1 2\n');
    // The stdout-only follower never saw the stderr line.
    expect([o.code, o.stdout]).toEqual([0, 'line 12\nusr1 1\nusr1 2\n']);
  });

  it('-f ends with exit 0 when apposd shuts down', async () => {
    const daemon = await startStack();
    const f = follow(daemon, ['logs', '-f', '-n', '0']);
    await waitFor(async () => {
      await ctl(daemon, 'signal', 'USR1', 'backend');
      return f.stdout.includes('backend    | usr1');
    });
    const r = await ctl(daemon, 'shutdown');
    expect(r.code).toBe(0);
    const done = await f.exited;
    expect([done.code, done.stderr]).toEqual([0, '']);
    expect(lines(done.stdout)[0]).toMatch(/^backend {4}\| usr1 \d+$/);
  });
});

describe('logs', () => {
  it('prefixes every line with its program, padded to the longest name', async () => {
    const daemon = await startStack();
    const r = await ctl(daemon, 'logs', '-n', '3');
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([
      'backend    | line 10',
      'backend    | line 11',
      'backend    | line 12',
    ]);
    const all = await ctl(daemon, 'logs', '-n', '1000');
    expect(all.stdout).toContain('init       | exit-with 0 after 0 ms\n');
    expect(all.stdout).toMatch(/^redis {6}\| .*Ready to accept connections/m);
  });
});
