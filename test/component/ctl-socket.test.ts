// The control socket on disk: modes 0700/0600, a non-root user refused, a live daemon on the
// same path refused, a stale socket replaced, and appos-ctl's lines when nothing answers.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControlDeps, ControlServer } from '../../src/control/server.js';
import { startControlServer } from '../../src/control/server.js';
import { listenPrivately } from '../../src/control/socket-file.js';
import { FakeLogs } from '../helpers/fake-logs.js';
import { FakeSupervisor, programStatus } from '../helpers/fake-supervisor.js';
import { runCtl } from '../helpers/run-ctl.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

let tmp: ReturnType<typeof tempDir>;
const servers: ControlServer[] = [];
const children: number[] = [];

function deps(socket: string): ControlDeps {
  return {
    socket,
    supervisor: new FakeSupervisor([programStatus('redis')]),
    logs: new FakeLogs(),
    reload: async () => ({ added: [], changed: [], removed: [] }),
    shutdown: () => undefined,
    version: '1.2.3',
    host: process,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
}

async function start(socket: string): Promise<ControlServer> {
  const s = await startControlServer(deps(socket));
  servers.push(s);
  return s;
}

const mode = (path: string): number => statSync(path).mode & 0o777;

beforeEach(() => {
  tmp = tempDir('apposd-sock-');
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const pid of children.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  tmp.cleanup();
});

describe('permissions', () => {
  it('creates the directory 0700 and the socket 0600, and removes the socket on close', async () => {
    const socket = join(tmp.path, 'run', 'appos', 'ctl.sock');
    const s = await start(socket);
    expect(s.path).toBe(socket);
    expect(statSync(socket).isSocket()).toBe(true);
    expect(mode(socket)).toBe(0o600);
    expect(mode(join(tmp.path, 'run', 'appos'))).toBe(0o700);
    await s.close();
    expect(existsSync(socket)).toBe(false);
  });

  it('leaves an existing directory alone but still makes the socket 0600', async () => {
    const dir = join(tmp.path, 'shared');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const socket = join(dir, 'ctl.sock');
    await start(socket);
    expect(mode(dir)).toBe(0o755);
    expect(mode(socket)).toBe(0o600);
  });

  it('refuses a non-root user through the socket mode alone', async () => {
    chmodSync(tmp.path, 0o755);
    const dir = join(tmp.path, 'shared');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    const socket = join(dir, 'ctl.sock');
    await start(socket);
    const r = await runCtl(['--socket', socket, 'status'], { prefix: NOBODY });
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`permission denied on ${socket} (appos-ctl must run as root)\n`);
    expect(r.code).toBe(1);
    const h = await runCtl(['--socket', socket, 'health'], { prefix: NOBODY });
    expect(h.code).toBe(1);
    // The mode is what refused: opened up, the same user gets through.
    chmodSync(socket, 0o666);
    const open = await runCtl(['--socket', socket, 'version'], { prefix: NOBODY });
    expect([open.code, open.stdout]).toEqual([0, '1.2.3\n']);
  });

  it('binds with mode 0600 from the first moment', async () => {
    const socket = join(tmp.path, 'early.sock');
    const server = createServer();
    const listening = listenPrivately(server, socket, process.umask);
    expect(mode(socket)).toBe(0o600);
    await listening;
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses a non-root user through the 0700 directory', async () => {
    chmodSync(tmp.path, 0o755);
    const socket = join(tmp.path, 'run', 'ctl.sock');
    await start(socket);
    const r = await runCtl(['--socket', socket, 'status'], { prefix: NOBODY });
    expect([r.code, r.stderr]).toEqual([
      1,
      `permission denied on ${socket} (appos-ctl must run as root)\n`,
    ]);
  });
});

describe('one apposd per socket', () => {
  it('a second server refuses while the first is alive', async () => {
    const socket = join(tmp.path, 'ctl.sock');
    await start(socket);
    await expect(startControlServer(deps(socket))).rejects.toMatchObject({
      name: 'AppError',
      code: 'APPOS_ERR_SOCKET_IN_USE',
      message: `another apposd is already running (socket ${socket} answers)`,
    });
    const r = await runCtl(['--socket', socket, 'version']);
    expect([r.code, r.stdout]).toEqual([0, '1.2.3\n']);
  });

  it('replaces a stale socket left by a killed process', async () => {
    const socket = join(tmp.path, 'ctl.sock');
    const child = spawn(
      process.execPath,
      [
        '-e',
        "require('net').createServer().listen(process.argv[1], () => console.log('up'))",
        socket,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(child.pid!);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes('up'), { what: 'the child to listen' });
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
    expect(statSync(socket).isSocket()).toBe(true);

    const stale = await runCtl(['--socket', socket, 'status']);
    expect([stale.code, stale.stderr]).toEqual([
      2,
      `apposd is not running (no socket at ${socket})\n`,
    ]);

    await start(socket);
    const r = await runCtl(['--socket', socket, 'version']);
    expect([r.code, r.stdout]).toEqual([0, '1.2.3\n']);
  });

  it('refuses to remove a file that is not a socket', async () => {
    const socket = join(tmp.path, 'ctl.sock');
    writeFileSync(socket, 'keep me');
    await expect(startControlServer(deps(socket))).rejects.toMatchObject({
      code: 'APPOS_ERR_SOCKET_IN_USE',
    });
    expect(statSync(socket).isFile()).toBe(true);
  });
});

describe('no daemon', () => {
  it('prints the one line: exit 2, but 1 for health', async () => {
    const socket = join(tmp.path, 'nothing', 'ctl.sock');
    const line = `apposd is not running (no socket at ${socket})\n`;
    for (const verb of ['status', 'version', 'stop']) {
      const r = await runCtl(['--socket', socket, verb, ...(verb === 'stop' ? ['all'] : [])]);
      expect([r.code, r.stdout, r.stderr]).toEqual([2, '', line]);
    }
    const h = await runCtl(['--socket', socket, 'health']);
    expect([h.code, h.stdout, h.stderr]).toEqual([1, '', line]);
  });

  it('uses /run/appos/ctl.sock by default', async () => {
    if (existsSync('/run/appos/ctl.sock')) return;
    const r = await runCtl(['status']);
    expect([r.code, r.stderr]).toEqual([
      2,
      'apposd is not running (no socket at /run/appos/ctl.sock)\n',
    ]);
  });
});
