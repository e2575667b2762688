// Backups that must not lose anything: retention keeps N; a backup into a full or read-only
// directory exits 1 with the reason and leaves the older archives as they were; a truncated or
// tampered archive is refused by restore before anything is touched.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seedData, startDataStack, withRedis, type DataStack } from '../helpers/backup-stack.js';
import { ctl, waitUp } from '../helpers/ctl-stack.js';
import { tempDir } from '../helpers/temp.js';

const stacks: DataStack[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.daemon.cleanup();
  for (const c of cleanups.splice(0).reverse()) c();
});

/** Name -> sha256 of every file in `dir`. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    out[name] = createHash('sha256')
      .update(readFileSync(join(dir, name)))
      .digest('hex');
  }
  return out;
}

async function idOf(s: DataStack): Promise<string> {
  const r = await ctl(s.daemon, 'backup');
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split(' ')[0] as string;
}

async function redisOnly(): Promise<{ stack: DataStack; data: string; backups: string }> {
  const root = tempDir('apposd-backup-fail-');
  cleanups.push(root.cleanup);
  const data = join(root.path, 'data');
  const backups = join(root.path, 'backups');
  mkdirSync(backups);
  seedData(data, 5);
  return { data, backups, stack: await startRedisStack(data, backups) };
}

async function startRedisStack(data: string, backups: string): Promise<DataStack> {
  const stack = await startDataStack(data, backups, { keep: 2, pocketbase: false });
  stacks.push(stack);
  await waitUp(stack.daemon, ['redis', 'appdb'], 60_000);
  return stack;
}

describe('backup failures', () => {
  it('keeps N; a full or read-only dir fails with the reason and leaves older archives', async () => {
    const { stack, data, backups } = await redisOnly();
    // A tiny file system for the archives.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', backups]);
    cleanups.push(() => {
      execFileSync('umount', ['-l', backups]);
    });

    const ids = [await idOf(stack), await idOf(stack), await idOf(stack)];
    const kept = (await ctl(stack.daemon, 'backups')).stdout;
    expect(
      kept
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ')[0]),
    ).toEqual(ids.slice(1));
    const before = snapshot(backups);

    // 3 MiB of noise in apps/: it cannot fit twice in 2 MiB.
    writeFileSync(join(data, 'apps', 'noise.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
    const full = await ctl(stack.daemon, 'backup');
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/^appos-ctl: backup failed: not enough free space in .* MiB free/);
    expect(snapshot(backups)).toEqual(before);

    execFileSync('mount', ['-o', 'remount,ro', backups]);
    writeFileSync(join(data, 'apps', 'noise.bin'), 'small again');
    const ro = await ctl(stack.daemon, 'backup');
    expect(ro.code).toBe(1);
    expect(ro.stderr).toMatch(/^appos-ctl: backup failed: .*(EROFS|read-only)/);
    expect(snapshot(backups)).toEqual(before);
  });

  it('restore refuses a truncated or tampered archive and changes nothing', async () => {
    const { stack, data, backups } = await redisOnly();
    const id = await idOf(stack);
    const archive = join(backups, `appos-${id}.tar.gz`);
    const good = readFileSync(archive);

    // What restore must not touch: newer data and the running redis.
    await withRedis(stack.redisPort, (c) => c.command('SET', 'after', 'backup'));
    writeFileSync(join(data, 'secret.key'), 'a newer secret');
    const pid = (await ctl(stack.daemon, 'pid', 'redis')).stdout;
    const unchanged = async (): Promise<void> => {
      expect(readFileSync(join(data, 'secret.key'), 'utf8')).toBe('a newer secret');
      expect((await ctl(stack.daemon, 'pid', 'redis')).stdout).toBe(pid);
      await withRedis(stack.redisPort, async (c) => {
        expect(await c.command('GET', 'after')).toBe('backup');
      });
    };

    truncateSync(archive, Math.floor(good.length / 2));
    const truncated = await ctl(stack.daemon, 'restore', id);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toMatch(/restore failed: backup \S+ is damaged, nothing was restored/);
    await unchanged();

    // Tampered: a file changed inside, the manifest kept.
    const work = tempDir('apposd-tamper-');
    cleanups.push(work.cleanup);
    writeFileSync(archive, good);
    execFileSync('tar', ['-xzf', archive, '-C', work.path]);
    writeFileSync(join(work.path, 'files', 'secret.key'), 'forged');
    execFileSync('tar', ['-czf', archive, '-C', work.path, '.']);
    const tampered = await ctl(stack.daemon, 'restore', id);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/damaged.*secret\.key (has \d+ bytes|does not match)/);
    await unchanged();

    // The intact archive restores.
    writeFileSync(archive, good);
    const ok = await ctl(stack.daemon, 'restore', id);
    expect(ok.code, ok.stderr).toBe(0);
    await waitUp(stack.daemon, ['redis'], 60_000);
    await withRedis(stack.redisPort, async (c) => {
      expect(await c.command('GET', 'after')).toBe(null);
    });
    expect(readFileSync(join(data, 'secret.key'), 'utf8')).not.toBe('a newer secret');
  });
});
