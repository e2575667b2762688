// appos-ctl end to end at the control seam: the real control server on a real unix socket,
// backed by a fake supervisor and log store, and the built CLI run as a subprocess. Asserts
// stdout, stderr and exit codes of every verb.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControlServer } from '../../src/control/server.js';
import { startControlServer } from '../../src/control/server.js';
import type { StatusResponse } from '../../src/control/protocol.js';
import { FakeLogs } from '../helpers/fake-logs.js';
import { FakeSupervisor, programStatus } from '../helpers/fake-supervisor.js';
import { CTL, runCtl, spawnCtl } from '../helpers/run-ctl.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

let tmp: ReturnType<typeof tempDir>;
let socket: string;
let supervisor: FakeSupervisor;
let logs: FakeLogs;
let server: ControlServer | undefined;
let shutdowns: number;

const ctl = (...args: string[]) => runCtl(['--socket', socket, ...args]);

beforeEach(async () => {
  tmp = tempDir('apposd-ctl-');
  socket = join(tmp.path, 'run', 'ctl.sock');
  supervisor = new FakeSupervisor([
    programStatus('redis', { pid: 12, startedAt: Date.now() - 811_000, critical: true }),
    programStatus('pocketbase', { pid: 13, startedAt: Date.now() - 811_000 }),
    programStatus('backend', { pid: 14, startedAt: Date.now() - 5_000 }),
  ]);
  logs = new FakeLogs();
  shutdowns = 0;
  server = await startControlServer({
    socket,
    supervisor,
    logs,
    reload: async () => supervisor.reload(),
    shutdown: () => void shutdowns++,
    version: '9.8.7',
    host: process,
    logger: silent,
  });
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  tmp.cleanup();
});

describe('status', () => {
  it('prints supervisorctl lines and exits 0 when all run', async () => {
    const r = await ctl('status');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^redis {8}RUNNING {3}pid 12, uptime 0:13:3\d, ready$/);
    expect(lines[1]).toMatch(/^pocketbase {3}RUNNING {3}pid 13, uptime 0:13:3\d, ready$/);
    expect(lines[2]).toMatch(/^backend {6}RUNNING {3}pid 14, uptime 0:00:0\d, ready$/);
  });

  it('lays out STARTING, BACKOFF, FATAL, STOPPED and a completed oneshot, exit 3', async () => {
    const now = Date.now();
    supervisor.programs.clear();
    for (const p of [
      programStatus('init', {
        kind: 'oneshot',
        state: 'EXITED',
        pid: null,
        startedAt: null,
        completed: true,
        lastExit: { code: 0, signal: null, at: now - 5_000, expected: true },
      }),
      programStatus('redis', { state: 'STARTING', ready: false, pid: 21, startedAt: now }),
      programStatus('backend', {
        state: 'BACKOFF',
        ready: false,
        pid: null,
        startedAt: null,
        lastExit: { code: 1, signal: null, at: now, expected: false },
        nextRetryAt: now + 60_000,
      }),
      programStatus('worker', {
        state: 'FATAL',
        ready: false,
        pid: null,
        startedAt: null,
        reason: 'spawn failed: ENOENT',
      }),
      programStatus('cron', { state: 'STOPPED', ready: false, pid: null, startedAt: null }),
    ]) {
      supervisor.programs.set(p.name, { ...p });
    }
    const r = await ctl('status');
    expect(r.code).toBe(3);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^init {6}EXITED {4}completed, exit status 0 \(0:00:0[5-9] ago\)$/);
    expect(lines[1]).toBe('redis     STARTING  pid 21, starting, not-ready');
    expect(lines[2]).toMatch(/^backend {3}BACKOFF {3}exit status 1; retry in (59|60)s$/);
    expect(lines[3]).toBe('worker    FATAL     spawn failed: ENOENT');
    expect(lines[4]).toBe('cron      STOPPED   Not started');

    expect((await ctl('status', 'init')).code).toBe(0);
    expect((await ctl('status', 'init', 'redis')).code).toBe(3);
    for (const name of ['backend', 'worker', 'cron'])
      expect((await ctl('status', name)).code).toBe(3);
  });

  it('exits 0 when only the named programs must run', async () => {
    supervisor.set('backend', { state: 'BACKOFF', pid: null, startedAt: null });
    expect((await ctl('status')).code).toBe(3);
    const r = await ctl('status', 'redis', 'pocketbase');
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(2);
  });

  it('--json prints the API objects', async () => {
    const r = await ctl('status', '--json');
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as StatusResponse;
    expect(body.programs.map((p) => p.name)).toEqual(['redis', 'pocketbase', 'backend']);
    expect(body.programs[0]).toMatchObject({
      state: 'RUNNING',
      pid: 12,
      ready: true,
      critical: true,
    });
    expect(body.programs[0]!.uptime_s).toBeGreaterThan(810);
  });

  it('refuses an unknown name with a did-you-mean, exit 1', async () => {
    const r = await ctl('status', 'bakend');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('bakend: ERROR (no such program; did you mean backend?)\n');
  });
});

describe('start, stop, restart, signal', () => {
  it('prints one line per program and exits 0', async () => {
    let r = await ctl('stop', 'backend');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'backend: stopped\n', '']);
    expect(supervisor.get('backend')!.state).toBe('STOPPED');
    r = await ctl('start', 'backend');
    expect([r.code, r.stdout]).toEqual([0, 'backend: started\n']);
    expect(supervisor.get('backend')!.pid).not.toBe(14);
  });

  it('restarts all as stop in reverse, then start in order; stops in reverse', async () => {
    let r = await ctl('restart', 'all');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('redis: restarted\npocketbase: restarted\nbackend: restarted\n');
    expect(supervisor.calls).toEqual([
      'stop:backend',
      'stop:pocketbase',
      'stop:redis',
      'start:redis',
      'start:pocketbase',
      'start:backend',
    ]);
    supervisor.calls.length = 0;
    r = await ctl('stop', 'all');
    expect(r.stdout).toBe('backend: stopped\npocketbase: stopped\nredis: stopped\n');
    expect(supervisor.calls).toEqual(['stop:backend', 'stop:pocketbase', 'stop:redis']);
    supervisor.calls.length = 0;
    r = await ctl('start', 'backend', 'redis');
    expect(supervisor.calls).toEqual(['start:redis', 'start:backend']);
    expect(r.stdout).toBe('redis: started\nbackend: started\n');
  });

  it('exits 1 and prints ERROR lines when a program fails', async () => {
    supervisor.failures.set('backend', 'spawn failed: ENOENT');
    const r = await ctl('restart', 'redis', 'backend');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('redis: restarted\nbackend: ERROR (spawn failed: ENOENT)\n');
  });

  it('refuses unknown names before acting on any', async () => {
    const r = await ctl('stop', 'redis', 'bakend');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('bakend: ERROR (no such program; did you mean backend?)\n');
    expect(supervisor.calls).toEqual([]);
  });

  it('needs a name: a usage error, exit 2', async () => {
    const r = await ctl('start');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'appos-ctl: start needs a program name or "all" (see appos-ctl help start)\n',
    );
  });

  it('sends signals by any spelling', async () => {
    const r = await ctl('signal', 'hup', 'backend');
    expect([r.code, r.stdout]).toEqual([0, 'backend: signalled SIGHUP\n']);
    expect(supervisor.calls).toEqual(['signal:backend:SIGHUP']);
    const bad = await ctl('signal', 'NOPE', 'backend');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('appos-ctl: unknown signal: NOPE\n');
  });
});

describe('tail and logs', () => {
  beforeEach(() => {
    for (let i = 1; i <= 20; i++) logs.append('backend', i % 2 ? 'stdout' : 'stderr', `line ${i}`);
    logs.append('redis', 'stdout', 'redis ready');
  });

  it('tail -n 5 prints exactly the last five', async () => {
    const r = await ctl('tail', '-n', '5', 'backend');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('line 16\nline 17\nline 18\nline 19\nline 20\n');
    const err = await ctl('tail', '-n5', 'backend', 'stderr');
    expect(err.stdout).toBe('line 12\nline 14\nline 16\nline 18\nline 20\n');
  });

  it('logs prefixes every program, padded', async () => {
    const r = await ctl('logs', '-n', '2');
    expect(r.stdout).toBe('backend    | line 20\nredis      | redis ready\n');
  });

  it('tail -f streams lines printed after it started, exit 0 on SIGINT', async () => {
    const follower = spawnCtl(['--socket', socket, 'tail', '-f', '-n', '1', 'backend']);
    await waitFor(() => logs.followerCount === 1, { what: 'the follow to open' });
    await waitFor(() => follower.stdout === 'line 20\n', { what: 'the backlog line' });
    logs.append('backend', 'stdout', 'fresh one');
    logs.append('redis', 'stdout', 'not for this tail');
    logs.append('backend', 'stderr', 'fresh two');
    await waitFor(() => follower.stdout.endsWith('fresh two\n'), { what: 'the new lines' });
    expect(follower.stdout).toBe('line 20\nfresh one\nfresh two\n');
    follower.child.kill('SIGINT');
    const r = await follower.exited;
    expect([r.code, r.stderr]).toEqual([0, '']);
    await waitFor(() => logs.followerCount === 0, { what: 'the follower to be removed' });
  });

  it('logs -f ends cleanly when apposd goes away', async () => {
    const follower = spawnCtl(['--socket', socket, 'logs', '-f', '-n', '0']);
    await waitFor(() => logs.followerCount === 1, { what: 'the follow to open' });
    logs.append('redis', 'stdout', 'bye');
    await waitFor(() => follower.stdout === 'redis      | bye\n', { what: 'the line' });
    await server!.close();
    server = undefined;
    const r = await follower.exited;
    expect([r.code, r.stderr]).toEqual([0, '']);
  });

  it('logs -f exits 0 when its reader goes away (SIGPIPE)', async () => {
    const piped = spawn(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${CTL}" --socket "${socket}" logs -f -n 0 | head -n 1; exit \${PIPESTATUS[0]}`,
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((resolve) => piped.once('exit', resolve));
    let code: number | null | undefined;
    void exited.then((c) => (code = c));
    await waitFor(() => logs.followerCount === 1, { what: 'the follow to open' });
    await waitFor(
      () => {
        logs.append('redis', 'stdout', 'more');
        return code !== undefined;
      },
      { intervalMs: 50, what: 'appos-ctl to exit' },
    );
    expect(code).toBe(0);
  });

  it('refuses a bad stream name as a usage error', async () => {
    const r = await ctl('tail', 'backend', 'stdin');
    expect(r.code).toBe(2);
  });
});

describe('health, journal, reload, pid, version, shutdown', () => {
  it('health exits 0 healthy and 1 once a critical program is down', async () => {
    let r = await ctl('health');
    expect([r.code, r.stdout]).toEqual([0, 'healthy (ok)\n']);
    supervisor.set('redis', {
      state: 'STOPPED',
      pid: null,
      startedAt: null,
      ready: false,
      restarts: 1,
    });
    r = await ctl('health');
    expect([r.code, r.stdout]).toEqual([1, 'unhealthy (degraded): redis STOPPED (critical)\n']);
    const json = JSON.parse((await ctl('health', '--json')).stdout) as { healthy: boolean };
    expect(json.healthy).toBe(false);
  });

  it('health never exits 2, not even on a usage error', async () => {
    expect((await ctl('health', 'extra')).code).toBe(1);
    const bad = await ctl('health', '--bogus');
    expect([bad.code, bad.stderr]).toEqual([
      1,
      'appos-ctl: unknown option --bogus (see appos-ctl help health)\n',
    ]);
    expect((await ctl('health', '--timeout')).code).toBe(1);
  });

  it("takes no option's value for the command: -n health is no health check", async () => {
    const unknown = await ctl('xa', '-n', 'health');
    expect([unknown.code, unknown.stderr]).toEqual([
      2,
      'appos-ctl: unknown command "xa" (see appos-ctl --help)\n',
    ]);
    const bad = await ctl('-n', 'health', '--bogus');
    expect([bad.code, bad.stderr]).toEqual([
      2,
      'appos-ctl: unknown option --bogus (see appos-ctl --help)\n',
    ]);
    const tail = await ctl('tail', '-n', 'health', '--bogus');
    expect([tail.code, tail.stderr]).toEqual([
      2,
      'appos-ctl: unknown option --bogus (see appos-ctl help tail)\n',
    ]);
  });

  it('journal prints state changes', async () => {
    supervisor.entries.push(
      {
        seq: 1,
        at: 0,
        program: 'redis',
        run: 1,
        from: 'STOPPED',
        to: 'STARTING',
        reason: 'autostart',
      },
      {
        seq: 2,
        at: 0,
        program: 'backend',
        run: 1,
        from: 'STARTING',
        to: 'RUNNING',
        reason: 'ready',
      },
    );
    let r = await ctl('journal');
    expect(r.stdout).toBe(
      '1970-01-01T00:00:00.000Z  redis    STOPPED -> STARTING     run 1  autostart\n' +
        '1970-01-01T00:00:00.000Z  backend  STARTING -> RUNNING     run 1  ready\n',
    );
    r = await ctl('journal', 'backend');
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
  });

  it('reload prints what changed', async () => {
    supervisor.reloadResult = { added: ['cron'], changed: ['backend'], removed: ['worker'] };
    const r = await ctl('reload');
    expect([r.code, r.stdout]).toEqual([0, 'cron: added\nbackend: changed\nworker: removed\n']);
  });

  it('pid prints apposd or a program', async () => {
    expect((await ctl('pid')).stdout).toBe(`${process.pid}\n`);
    expect((await ctl('pid', 'redis')).stdout).toBe('12\n');
    supervisor.set('backend', { state: 'STOPPED', pid: null, startedAt: null });
    const r = await ctl('pid', 'backend');
    expect([r.code, r.stdout, r.stderr]).toEqual([1, '', 'backend: no process (STOPPED)\n']);
  });

  it('version and shutdown', async () => {
    expect((await ctl('version')).stdout).toBe('9.8.7\n');
    const r = await ctl('shutdown');
    expect([r.code, r.stdout]).toEqual([0, 'Shut down\n']);
    await waitFor(() => shutdowns === 1, { what: 'shutdown() to be called' });
  });

  it('APPOS_CTL_SOCKET selects the socket', async () => {
    const r = await runCtl(['version'], { env: { APPOS_CTL_SOCKET: socket } });
    expect(r.stdout).toBe('9.8.7\n');
  });
});

describe('usage', () => {
  it('--help for the tool and each verb, exit 0', async () => {
    const top = await runCtl(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('Usage: appos-ctl');
    for (const args of [
      ['status', '--help'],
      ['help', 'tail'],
      ['tail', '-h'],
    ]) {
      const r = await runCtl(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: appos-ctl (status|tail)/);
    }
  });

  it('unknown options and verbs: one line, exit 2', async () => {
    const a = await runCtl(['status', '--frob']);
    expect([a.code, a.stderr]).toEqual([
      2,
      'appos-ctl: unknown option --frob (see appos-ctl help status)\n',
    ]);
    const b = await runCtl(['frob']);
    expect([b.code, b.stderr]).toEqual([
      2,
      'appos-ctl: unknown command "frob" (see appos-ctl --help)\n',
    ]);
    const c = await runCtl(['status', '-f']);
    expect(c.code).toBe(2);
  });
});
