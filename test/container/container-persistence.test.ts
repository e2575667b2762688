// The volume outlives the container: a redis key (ioredis) and a PocketBase record (SDK through
// /pb) written in one run survive SIGTERM of PID 1 (a clean, ordered exit 0 within the shutdown
// timeout, nothing left behind) and are there in a fresh run on the same data directory, with
// the same secret key. A volume left by the root-run supervisord image is handed over.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ContainerStack,
  SIM_USER,
  createCollection,
  createVolume,
  type Volume,
} from '../helpers/container-stack.js';

/** config/appos.yaml's shutdown_timeout. */
const SHUTDOWN_TIMEOUT_MS = 8_000;

const superuser = { email: 'keeper@appos.test', password: `Keep-${process.pid}-${Date.now()}` };
let volume: Volume | undefined;
const stacks: ContainerStack[] = [];

afterAll(async () => {
  for (const s of stacks) await s.stop();
  volume?.cleanup();
});

async function withRedis<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

function uidOfUser(name: string): number {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  return Number(line?.split(':')[2]);
}

describe('data on the volume', () => {
  it('survives SIGTERM of PID 1 and a fresh start on the same data directory', async () => {
    volume = createVolume();
    // What the supervisord image leaves behind: everything root's.
    mkdirSync(join(volume.data, 'apps/legacy'), { recursive: true });
    writeFileSync(join(volume.data, 'apps/legacy/app.json'), '{}');

    const first = await ContainerStack.start(volume, superuser);
    stacks.push(first);
    await first.waitReady();
    const nobody = uidOfUser(SIM_USER);
    expect(statSync(join(volume.data, 'apps/legacy/app.json')).uid).toBe(nobody);

    const value = `v-${Date.now()}`;
    await withRedis(first.ports.redis, async (r) => {
      expect(await r.set('appos:persisted', value)).toBe('OK');
    });
    const pb = await first.superuserClient();
    await createCollection(pb, 'notes');
    const record = await pb.collection('notes').create({ title: 'kept across restarts' });
    const keyFile = join(volume.data, 'secret.key');
    const key = readFileSync(keyFile, 'utf8');

    // docker stop: SIGTERM to PID 1.
    const inside = first.processes();
    expect(inside.length).toBeGreaterThanOrEqual(4);
    const t0 = Date.now();
    first.daemon.signal('SIGTERM');
    const exit = await first.daemon.waitExit(SHUTDOWN_TIMEOUT_MS + 5_000);
    const took = Date.now() - t0;
    expect(exit.code, first.daemon.tailLog()).toBe(0);
    expect(took).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    // Each program was stopped in order and exited by itself, none was killed.
    const stopped = first.daemon
      .transitions()
      .filter((t) => t.to === 'STOPPED' && t.from === 'STOPPING')
      .map((t) => [t.program, t.reason]);
    expect(stopped).toEqual([
      ['backend', 'stopped (exit status 0)'],
      ['pocketbase', 'stopped (exit status 0)'],
      ['redis', 'stopped (exit status 0)'],
    ]);
    const alive = inside.filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);

    const second = await ContainerStack.start(volume, superuser);
    stacks.push(second);
    await second.waitReady();
    await withRedis(second.ports.redis, async (r) => {
      expect(await r.get('appos:persisted')).toBe(value);
    });
    const pb2 = await second.superuserClient();
    const again = await pb2.collection('notes').getOne(record.id);
    expect(again.title).toBe('kept across restarts');
    expect(readFileSync(keyFile, 'utf8')).toBe(key);
    const st = statSync(keyFile);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.uid).toBe(nobody);
    expect(second.ctl('tail', '-n', '50', 'init').stdout).toMatch(/secret key kept/);
  }, 90_000);
});
