// The control socket of the real apposd: no daemon (one line, exit 2), a non-root user refused
// by the socket's permissions, a second apposd on the same socket refused without starting
// anything, a stale socket left by a SIGKILLed apposd replaced, nothing of /v1 on the public port.
import { chmodSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProgramView, StatusResponse } from '../../src/control/protocol.js';
import { Daemon, NODE, ROOT, alive, fixture } from '../helpers/daemon.js';
import { ctl, ctlAt, waitUp } from '../helpers/ctl-stack.js';
import { runCtl } from '../helpers/run-ctl.js';
import { freePort, tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

const daemons: Daemon[] = [];
const orphans: number[] = [];
const dirs: (() => void)[] = [];
afterEach(async () => {
  for (const pid of orphans.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const d of daemons.splice(0).reverse()) await d.cleanup();
  for (const rm of dirs.splice(0)) rm();
});

function start(yaml: string, env?: Record<string, string>): Daemon {
  const d = Daemon.start(yaml, env ? { env } : {});
  daemons.push(d);
  return d;
}

function shared(): string {
  const t = tempDir('apposd-ctl-shared-');
  dirs.push(t.cleanup);
  chmodSync(t.path, 0o755);
  return t.path;
}

const mode = (path: string): number => statSync(path).mode & 0o777;

/** Live processes whose working directory is `dir`. */
function processesIn(dir: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === dir && alive(Number(entry)))
        out.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return out.sort((a, b) => a - b);
}

async function statusAt(socket: string): Promise<ProgramView[]> {
  const r = await ctlAt(socket, ['status', '--json']);
  if (r.code !== 0 && r.code !== 3) throw new Error(`status failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as StatusResponse).programs;
}

async function waitRunningAt(socket: string, n: number): Promise<Record<string, number>> {
  return waitFor(
    async () => {
      const all = await statusAt(socket);
      if (all.length !== n || !all.every((p) => p.state === 'RUNNING' && p.ready)) return null;
      return Object.fromEntries(all.map((p) => [p.name, p.pid as number]));
    },
    { timeoutMs: 20_000, what: `${n} programs RUNNING on ${socket}` },
  );
}

/** Two fixtures and redis, all with their working directory in `cwd`. */
async function programsIn(cwd: string): Promise<string> {
  const port = await freePort();
  return `
programs:
  redis:
    command: [redis-server, --port, "${port}", --bind, 127.0.0.1, --save, "", --appendonly, "no", --dir, ${cwd}]
    cwd: ${cwd}
    start_seconds: 100ms
    ready: { redis: "redis://127.0.0.1:${port}", interval: 100ms }
  worker:
    command: [${NODE}, ${fixture('forever.mjs')}]
    cwd: ${cwd}
    start_seconds: 100ms
  backend:
    command: [${NODE}, ${fixture('talker.mjs')}]
    cwd: ${cwd}
    start_seconds: 100ms
`;
}

describe('no daemon', () => {
  it('prints the one line and exits 2 (health: 1)', async () => {
    const dir = shared();
    const socket = join(dir, 'run', 'ctl.sock');
    const line = `apposd is not running (no socket at ${socket})\n`;
    for (const args of [['status'], ['stop', 'all'], ['tail', '-f', 'backend'], ['version']]) {
      const r = await ctlAt(socket, args);
      expect([args, r.code, r.stdout, r.stderr]).toEqual([args, 2, '', line]);
    }
    const env = await runCtl(['status'], { env: { APPOS_CTL_SOCKET: socket } });
    expect([env.code, env.stderr]).toEqual([2, line]);
    const h = await ctlAt(socket, ['health']);
    expect([h.code, h.stdout, h.stderr]).toEqual([1, '', line]);
  });
});

describe('permissions', () => {
  it('a non-root user is refused by the socket permissions with one clear line', async () => {
    // appos-ctl itself is readable and runnable by nobody: the refusal below is the socket's.
    const help = await runCtl(['--help'], { prefix: NOBODY });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: appos-ctl');

    const d = start(`
control:
  socket: $DIR/run/ctl.sock
programs:
  worker:
    command: [${NODE}, ${fixture('forever.mjs')}]
    start_seconds: 100ms
`);
    const socket = join(d.dir, 'run', 'ctl.sock');
    await waitFor(async () => (await ctlAt(socket, ['status'])).code === 0, {
      what: `worker RUNNING\n${d.tailLog()}`,
    });
    expect(mode(join(d.dir, 'run'))).toBe(0o700);
    expect(mode(socket)).toBe(0o600);
    expect(statSync(socket).uid).toBe(0);

    chmodSync(d.dir, 0o755);
    const denied = `permission denied on ${socket} (appos-ctl must run as root)\n`;
    let r = await ctlAt(socket, ['status'], { prefix: NOBODY });
    expect([r.code, r.stdout, r.stderr]).toEqual([1, '', denied]);
    // With the 0700 directory opened up, the 0600 socket alone still refuses.
    chmodSync(join(d.dir, 'run'), 0o755);
    for (const args of [['status'], ['stop', 'worker'], ['shutdown'], ['health']]) {
      r = await ctlAt(socket, args, { prefix: NOBODY });
      expect([args, r.code, r.stdout, r.stderr]).toEqual([args, 1, '', denied]);
    }
    // Nothing happened: root still sees the worker running and apposd alive.
    r = await ctlAt(socket, ['status', 'worker']);
    expect(r.code).toBe(0);
    expect(d.exitStatus).toBeNull();
  });
});

describe('one apposd per socket', () => {
  it('a second apposd on the same socket exits 1 with a clear message and starts nothing', async () => {
    const cwd = shared();
    const socket = join(cwd, 'ctl.sock');
    const yaml = await programsIn(cwd);
    const first = start(yaml, { APPOS_CTL_SOCKET: socket });
    const before = await waitRunningAt(socket, 3);
    expect(processesIn(cwd)).toEqual(Object.values(before).sort((a, b) => a - b));

    const second = start(yaml, { APPOS_CTL_SOCKET: socket });
    const exit = await second.waitExit(15_000);
    expect(exit).toEqual({ code: 1, signal: null });
    expect(second.stderr).toBe(
      `apposd: another apposd is already running (socket ${socket} answers)\n`,
    );
    expect(second.records().filter((r) => /spawned/.test(r.msg))).toEqual([]);
    expect(second.transitions()).toEqual([]);

    // The first one's programs keep their pids; no second set of processes appeared.
    expect(await waitRunningAt(socket, 3)).toEqual(before);
    expect(processesIn(cwd)).toEqual(Object.values(before).sort((a, b) => a - b));
    const v = await ctlAt(socket, ['pid']);
    expect([v.code, v.stdout]).toEqual([0, `${first.daemonPid()}\n`]);
    expect(first.exitStatus).toBeNull();
  });

  it('replaces a stale socket left by a SIGKILLed apposd and starts normally', async () => {
    const cwd = shared();
    const socket = join(cwd, 'ctl.sock');
    const yaml = await programsIn(cwd);
    const killed = start(yaml, { APPOS_CTL_SOCKET: socket });
    const old = await waitRunningAt(socket, 3);
    orphans.push(...Object.values(old));

    process.kill(killed.daemonPid(), 'SIGKILL');
    expect(await killed.waitExit(10_000)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(statSync(socket).isSocket()).toBe(true);
    // Its children were orphaned: they are ours to clean up, by pid.
    for (const pid of Object.values(old)) {
      expect(alive(pid)).toBe(true);
      process.kill(pid, 'SIGKILL');
    }
    await waitFor(() => processesIn(cwd).length === 0, { what: 'the orphans to die' });

    const stale = await ctlAt(socket, ['status']);
    expect([stale.code, stale.stdout, stale.stderr]).toEqual([
      2,
      '',
      `apposd is not running (no socket at ${socket})\n`,
    ]);

    const next = start(yaml, { APPOS_CTL_SOCKET: socket });
    const now = await waitRunningAt(socket, 3);
    for (const name of Object.keys(old)) expect(now[name]).not.toBe(old[name]);
    expect(processesIn(cwd)).toEqual(Object.values(now).sort((a, b) => a - b));
    expect(next.stderr).toBe('');
    expect(next.exitStatus).toBeNull();
    expect(mode(socket)).toBe(0o600);
    const r = await ctlAt(socket, ['status']);
    expect(r.code).toBe(0);
  });
});

/** Whether main.ts serves the public HTTP edge yet (the HTTP room is being written). */
const httpWired = readFileSync(join(ROOT, 'src/main.ts'), 'utf8').includes('createHttpServer');

describe('public HTTP port', () => {
  it.skipIf(!httpWired)('serves nothing of /v1', async () => {
    const port = await freePort();
    const d = start(`
http:
  listen: 127.0.0.1:${port}
programs:
  worker:
    command: [${NODE}, ${fixture('forever.mjs')}]
    start_seconds: 100ms
`);
    await waitUp(d, ['worker']);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/api/health`)).status === 200, {
      what: 'the public health endpoint',
    });
    for (const [method, path] of [
      ['GET', '/v1/status'],
      ['GET', '/v1/version'],
      ['GET', '/v1/logs?name=worker'],
      ['POST', '/v1/stop'],
      ['POST', '/v1/shutdown'],
    ] as const) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'POST' ? JSON.stringify({ names: ['all'] }) : undefined,
      });
      const body = await res.text();
      expect([path, res.status]).toEqual([path, 404]);
      expect(body).not.toContain('"programs"');
    }
    const r = await ctl(d, 'status');
    expect(r.code).toBe(0);
    expect(d.exitStatus).toBeNull();
  });
});
