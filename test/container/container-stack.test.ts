// The AppOS container, simulated: apposd as PID 1 (own PID and mount namespaces) on the
// production config/appos.yaml with real redis, real PocketBase, the example backend and the
// fixture dashboard. Everything is up and ready, appos-ctl works from inside, every route
// answers, the superuser from the environment can sign in, and no secret reaches any output.
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  ContainerStack,
  ROOT_DASHBOARD,
  SIM_USER,
  createVolume,
  type Volume,
} from '../helpers/container-stack.js';
import { send } from '../helpers/http-client.js';

const superuser = { email: 'owner@appos.test', password: `Pw-${process.pid}-${Date.now()}-x9` };
let volume: Volume;
let stack: ContainerStack;

beforeAll(async () => {
  volume = createVolume();
  stack = await ContainerStack.start(volume, superuser);
  await stack.waitReady();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  volume?.cleanup();
});

/** Real uid of a process, from the outer /proc. */
function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Uid:'));
  return Number(line?.split(/\s+/)[1]);
}

describe('the container simulation', () => {
  it('runs every program RUNNING and ready; appos-ctl status and health pass inside; /api/health is 200', async () => {
    const { programs } = await stack.status();
    const byName = Object.fromEntries(programs.map((p) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual([
      'backend',
      'init',
      'pocketbase',
      'pocketbase-superuser',
      'redis',
    ]);
    for (const name of ['redis', 'pocketbase', 'backend']) {
      expect(byName[name]?.state, name).toBe('RUNNING');
      expect(byName[name]?.ready, name).toBe(true);
    }
    for (const name of ['init', 'pocketbase-superuser']) {
      expect(byName[name]?.completed, name).toBe(true);
    }

    // appos-ctl from inside the namespaces: apposd is PID 1 there.
    expect(stack.ctl('pid').stdout.trim()).toBe('1');
    const status = stack.ctl('status');
    expect(status.code, status.stdout + status.stderr).toBe(0);
    for (const name of Object.keys(byName))
      expect(status.stdout).toMatch(new RegExp(`^${name}\\s`, 'm'));
    expect(status.stdout).toMatch(/^redis\s+RUNNING\s+pid \d+/m);
    const health = stack.ctl('health');
    expect(health.code, health.stdout + health.stderr).toBe(0);

    const res = await send(`${stack.base}/api/health`);
    expect(res.status).toBe(200);
    const body = res.json() as { status: string; programs: Record<string, { state: string }> };
    expect(body.status).toBe('ok');
    expect(body.programs.backend?.state).toBe('RUNNING');
  });

  it('runs apposd as root in its own PID and mount namespaces, the programs as the unprivileged user', async () => {
    const apposd = stack.daemon.daemonPid();
    expect(uidOf(apposd)).toBe(0);
    for (const ns of ['pid', 'mnt']) {
      expect(readlinkSync(`/proc/${apposd}/ns/${ns}`), ns).not.toBe(
        readlinkSync(`/proc/self/ns/${ns}`),
      );
    }
    const nobody = Number(
      readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .find((l) => l.startsWith(`${SIM_USER}:`))
        ?.split(':')[2],
    );
    for (const name of ['redis', 'pocketbase', 'backend']) {
      expect(uidOf(await stack.outerPidOf(name)), name).toBe(nobody);
    }
    for (const dir of ['redis', 'pocketbase', 'apps']) {
      expect(statSync(join(volume.data, dir)).uid, dir).toBe(nobody);
    }
  });

  it('serves the dashboard at /, the backend at /api, PocketBase at /pb and the terminal websocket', async () => {
    const index = readFileSync(join(ROOT_DASHBOARD, 'index.html'), 'utf8');
    const home = await send(`${stack.base}/`);
    expect(home.status).toBe(200);
    expect(home.text()).toBe(index);
    const deep = await send(`${stack.base}/apps/some/route`, { headers: { accept: 'text/html' } });
    expect(deep.status).toBe(200);
    expect(deep.text()).toBe(index);

    const hello = await send(`${stack.base}/api/hello`);
    expect(hello.status).toBe(200);
    expect(hello.json()).toMatchObject({ hello: 'world' });

    const pb = await send(`${stack.base}/pb/api/health`);
    expect(pb.status).toBe(200);
    expect(pb.json()).toMatchObject({ code: 200 });

    const ws = new WebSocket(`ws://127.0.0.1:${stack.ports.http}/terminal`);
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      const echoed = new Promise<string>((resolve, reject) => {
        ws.once('message', (data: Buffer) => resolve(data.toString('utf8')));
        ws.once('error', reject);
      });
      ws.send('echo $TERM');
      expect(await echoed).toBe('echo $TERM');
    } finally {
      ws.terminate();
    }
  });

  it('lets the superuser from the environment sign in through /pb', async () => {
    const pb = await stack.superuserClient();
    expect(pb.authStore.isValid).toBe(true);
    const collections = (await pb.send('/api/collections', { method: 'GET' })) as {
      items: unknown[];
    };
    expect(Array.isArray(collections.items)).toBe(true);
  });

  it('hands the secret key (0600, created on first boot) to the backend and never logs it or the password', async () => {
    const keyFile = join(volume.data, 'secret.key');
    const st = statSync(keyFile);
    expect(st.mode & 0o777).toBe(0o600);
    const key = readFileSync(keyFile, 'utf8');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const backendPid = await stack.outerPidOf('backend');
    const env = readFileSync(`/proc/${backendPid}/environ`, 'latin1').split('\0');
    expect(env).toContain(`APPOS_SECRET_KEY=${key}`);

    // Everything apposd shows: its stdout/stderr, the program log files, appos-ctl's views,
    // the control API and the public health endpoint.
    const outputs: Record<string, string> = {
      stdout: stack.daemon.stdout,
      stderr: stack.daemon.stderr,
      status: stack.ctl('status').stdout,
      'status --json': stack.ctl('status', '--json').stdout,
      health: stack.ctl('health').stdout,
      'health --json': stack.ctl('health', '--json').stdout,
      logs: stack.ctl('logs', '-n', '1000').stdout,
      'tail pocketbase-superuser': stack.ctl('tail', '-n', '100', 'pocketbase-superuser').stdout,
      'tail init': stack.ctl('tail', '-n', '100', 'init').stdout,
      'api status': JSON.stringify(await stack.status()),
      'api journal': JSON.stringify(await stack.daemon.api('/v1/journal?limit=10000')),
      '/api/health': (await send(`${stack.base}/api/health`)).text(),
    };
    const logDir = join(volume.data, 'logs');
    for (const f of readdirSync(logDir))
      outputs[`logs/${f}`] = readFileSync(join(logDir, f), 'utf8');
    expect(Object.keys(outputs).filter((k) => k.startsWith('logs/')).length).toBeGreaterThan(0);
    // The superuser step did run and said so.
    expect(outputs['tail pocketbase-superuser']).toContain(superuser.email);
    expect(outputs['tail init']).toMatch(/secret key created/);
    for (const [where, text] of Object.entries(outputs)) {
      expect(text.includes(superuser.password), `password in ${where}`).toBe(false);
      expect(text.includes(key), `secret key in ${where}`).toBe(false);
    }
  });
});
