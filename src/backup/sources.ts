// Copies each backup source consistently while its program runs: redis by BGSAVE and waiting
// for LASTSAVE to move, SQLite files (PocketBase's included) by the online backup API, files
// and directories as they are. Each source lands in its own directory of the staging area.
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { BackupSource } from '../config/types.js';
import type { ManifestSource } from './manifest.js';
import { rdbKeyCount } from './rdb.js';
import { RespClient } from './resp.js';
import { onlineBackup, pocketbaseCollections, rowCounts } from './sqlite.js';

const REDIS_TIMEOUT_MS = 5_000;
const BGSAVE_DEADLINE_MS = 120_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A redis snapshot that BGSAVE finished writing, and where the server keeps it. */
export interface RedisSnapshot {
  file: string;
  dir: string;
  dbfilename: string;
  appendonly: boolean;
  appenddirname: string;
  appendfilename: string;
}

async function configGet(client: RespClient, key: string): Promise<string> {
  const r = await client.command('CONFIG', 'GET', key);
  return Array.isArray(r) && typeof r[1] === 'string' ? r[1] : '';
}

/** The running server's snapshot settings (for a restore while it still runs). */
export async function redisSettings(url: string): Promise<Omit<RedisSnapshot, 'file'>> {
  const client = await RespClient.open(url, REDIS_TIMEOUT_MS);
  try {
    return {
      dir: await configGet(client, 'dir'),
      dbfilename: await configGet(client, 'dbfilename'),
      appendonly: (await configGet(client, 'appendonly')) === 'yes',
      appenddirname: (await configGet(client, 'appenddirname')) || 'appendonlydir',
      appendfilename: (await configGet(client, 'appendfilename')) || 'appendonly.aof',
    };
  } finally {
    client.close();
  }
}

/** Asks redis for a fresh snapshot (BGSAVE) and waits until LASTSAVE says it is written. */
export async function redisSnapshot(url: string): Promise<RedisSnapshot> {
  const settings = await redisSettings(url);
  const client = await RespClient.open(url, REDIS_TIMEOUT_MS);
  try {
    const before = Number(await client.command('LASTSAVE'));
    // LASTSAVE counts seconds: start in a later second than the last save, so a change shows.
    while (Math.floor(Date.now() / 1000) <= before) await sleep(50);
    const deadline = Date.now() + BGSAVE_DEADLINE_MS;
    for (;;) {
      try {
        await client.command('BGSAVE', 'SCHEDULE');
        break;
      } catch (err) {
        if (!/in progress/i.test((err as Error).message) || Date.now() > deadline) throw err;
        await sleep(100);
      }
    }
    while (Number(await client.command('LASTSAVE')) === before) {
      const info = String(await client.command('INFO', 'persistence'));
      if (/rdb_last_bgsave_status:err/.test(info) && !/rdb_bgsave_in_progress:1/.test(info)) {
        throw new Error('redis could not write its snapshot (rdb_last_bgsave_status:err)');
      }
      if (Date.now() > deadline) throw new Error('redis did not finish its snapshot in time');
      await sleep(50);
    }
    return { ...settings, file: join(settings.dir, settings.dbfilename) };
  } finally {
    client.close();
  }
}

/** Bytes under `path` (a file or a directory). */
export function sizeOf(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of readdirSync(path)) total += sizeOf(join(path, name));
  return total;
}

/** A source with what had to happen before copying (the redis snapshot). */
export interface PreparedSource {
  source: BackupSource;
  snapshot?: RedisSnapshot;
  /** Bytes the copy will take, at most (for the free-space check). */
  bytes: number;
}

/** Does what must precede the copy (BGSAVE for redis) and measures the source. */
export async function prepareSource(source: BackupSource): Promise<PreparedSource> {
  switch (source.kind) {
    case 'redis': {
      const snapshot = await redisSnapshot(source.url);
      return { source, snapshot, bytes: sizeOf(snapshot.file) };
    }
    case 'pocketbase':
      return { source, bytes: sizeOf(source.dir) };
    case 'sqlite':
      return { source, bytes: sizeOf(source.path) + sizeOf(`${source.path}-wal`) };
    case 'files':
      return { source, bytes: source.paths.reduce((n, p) => n + sizeOf(p), 0) };
  }
}

/** Files that are never copied from a PocketBase directory: its own backups and SQLite's side files. */
function pocketbaseKeeps(src: string, root: string): boolean {
  const rel = relative(root, src);
  if (rel === 'backups' || rel.startsWith('backups/')) return false;
  return !/\.db(-wal|-shm|-journal)?$/.test(rel);
}

/** Copies files or directories into `dest`; each keeps its base name (or its path under dataDir). */
export function copyPaths(
  paths: readonly string[],
  dest: string,
  dataDir: string | undefined,
): { archive: string; source: string }[] {
  const out: { archive: string; source: string }[] = [];
  for (const path of paths) {
    if (!existsSync(path)) throw new Error(`${path} does not exist`);
    const rel =
      dataDir !== undefined && !relative(dataDir, path).startsWith('..')
        ? relative(dataDir, path)
        : basename(path);
    cpSync(path, join(dest, rel), { recursive: true, preserveTimestamps: true });
    out.push({ archive: rel, source: rel });
  }
  return out;
}

/** Copies a prepared source into `staging/dir`; returns its manifest entry (files filled later). */
export async function copySource(
  p: PreparedSource,
  staging: string,
  dir: string,
  dataDir: string | undefined,
): Promise<ManifestSource> {
  const dest = join(staging, dir);
  mkdirSync(dest, { recursive: true });
  const { source } = p;
  const base = { program: source.program, kind: source.kind, dir };
  switch (source.kind) {
    case 'redis': {
      const snap = p.snapshot as RedisSnapshot;
      const target = join(dest, 'dump.rdb');
      copyFileSync(snap.file, target);
      const { file: _file, ...redis } = snap;
      return { ...base, counts: { keys: rdbKeyCount(target) }, redis };
    }
    case 'sqlite': {
      const target = join(dest, basename(source.path));
      await onlineBackup(source.path, target);
      return { ...base, counts: rowCounts(target) };
    }
    case 'pocketbase': {
      let counts: Record<string, number> = {};
      for (const name of readdirSync(source.dir)) {
        if (!name.endsWith('.db')) continue;
        const target = join(dest, name);
        await onlineBackup(join(source.dir, name), target);
        if (name === 'data.db') counts = rowCounts(target, pocketbaseCollections(target));
      }
      cpSync(source.dir, dest, {
        recursive: true,
        preserveTimestamps: true,
        filter: (src) => pocketbaseKeeps(src, source.dir),
      });
      return { ...base, counts };
    }
    case 'files':
      return { ...base, counts: {}, paths: copyPaths(source.paths, dest, dataDir) };
  }
}
