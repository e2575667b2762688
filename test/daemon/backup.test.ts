// Backups against the real apposd, redis-server and PocketBase: a backup taken while writers
// add keys and records restores into a fresh data dir with everything its manifest counts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackupsResponse } from '../../src/control/protocol.js';
import {
  Writers,
  seedData,
  sqliteFacts,
  startDataStack,
  withRedis,
  type DataStack,
} from '../helpers/backup-stack.js';
import { ctl, waitUp } from '../helpers/ctl-stack.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const stacks: DataStack[] = [];
const dirs: { cleanup: () => void }[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.daemon.cleanup();
  for (const d of dirs.splice(0)) d.cleanup();
});

const UP = ['redis', 'pocketbase', 'appdb'];

describe('backup and restore', () => {
  it('a backup taken under writers restores into a fresh data dir with all it counts', async () => {
    const root = tempDir('apposd-backup-');
    dirs.push(root);
    const a = join(root.path, 'a');
    const b = join(root.path, 'b');
    const backups = join(root.path, 'backups');
    seedData(a, 50);
    const first = await startDataStack(a, backups);
    stacks.push(first);
    await waitUp(first.daemon, UP, 60_000);

    const writers = new Writers(first);
    await waitFor(() => writers.keys >= 200 && writers.users >= 3, {
      timeoutMs: 60_000,
      what: 'writers under way',
    });
    const taken = await ctl(first.daemon, 'backup');
    const afterKeys = writers.keys;
    await writers.stop();
    expect(taken.code, taken.stderr).toBe(0);
    const [idLine] = taken.stdout.split('\n');
    const [id, path] = (idLine ?? '').split(' ');
    expect(path).toBe(join(backups, `appos-${id}.tar.gz`));

    const list = JSON.parse(
      (await ctl(first.daemon, 'backups', '--json')).stdout,
    ) as BackupsResponse;
    expect(list.backups.map((x) => x.id)).toEqual([id]);
    const counts = Object.fromEntries(
      list.backups[0]?.sources.map((s) => [s.kind, s.counts]) ?? [],
    );
    const keys = counts.redis?.keys ?? -1;
    const users = counts.pocketbase?.users ?? -1;
    // Taken while the writers ran: some keys before, some after.
    expect(keys).toBeGreaterThanOrEqual(200);
    expect(keys).toBeLessThanOrEqual(afterKeys);
    expect(users).toBeGreaterThanOrEqual(3);
    expect(counts.sqlite?.apps).toBe(50);

    // A fresh data dir: empty redis and PocketBase, another secret, no apps.
    seedData(b, 0);
    const second = await startDataStack(b, backups);
    stacks.push(second);
    await waitUp(second.daemon, UP, 60_000);
    const restored = await ctl(second.daemon, 'restore', id ?? '');
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toBe(`restored ${id}: redis, pocketbase, appdb\n`);
    await waitUp(second.daemon, UP, 60_000);

    await withRedis(second.redisPort, async (c) => {
      expect(await c.command('DBSIZE')).toBe(keys);
      // The writer went k:0, k:1, ...: the snapshot holds exactly the first `keys` of them.
      expect(await c.command('EXISTS', 'k:0')).toBe(1);
      expect(await c.command('GET', `k:${keys - 1}`)).toBe(String(keys - 1));
      expect(await c.command('EXISTS', `k:${keys}`)).toBe(0);
    });
    const pb = sqliteFacts(join(b, 'pb', 'data.db'), 'users');
    expect(pb).toEqual({ rows: users, integrity: 'ok' });
    expect(sqliteFacts(join(b, 'appos.db'), 'apps')).toEqual({ rows: 50, integrity: 'ok' });
    expect(readFileSync(join(b, 'secret.key')).equals(readFileSync(join(a, 'secret.key')))).toBe(
      true,
    );
    expect(readFileSync(join(b, 'apps', 'hello', 'app.json'), 'utf8')).toBe('{"name":"hello"}');
  });
});
