// Restores an archive: extract it aside and check every file against the manifest first (a
// corrupt or partial archive is refused before anything is touched), then stop the programs it
// covers in reverse start order, put their data in place, and start them in start order.
import {
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { BackupSource, BackupsConfig } from '../config/types.js';
import type { SupervisorApi } from '../supervisor/api.js';
import { readArchive } from './archive.js';
import { verifyExtracted, type Manifest, type ManifestSource } from './manifest.js';
import { redisSettings } from './sources.js';
import { RESTING_STATES } from '../wire/shapes.js';
import { archiveName } from './store.js';

/** What a restore did. */
export interface RestoreResult {
  id: string;
  /** Programs stopped and started again, in start order. */
  programs: string[];
  /** Start failures after the restore ("name: why"). */
  failed: string[];
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (!statSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), uid, gid);
}

/** Replaces `target` with `from` (file or directory), keeping the owner of what was there. */
function replace(from: string, target: string): void {
  const ref = existsSync(target) ? target : dirname(target);
  const owner = existsSync(ref) ? statSync(ref) : null;
  rmSync(target, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  cpSync(from, target, { recursive: true, preserveTimestamps: true });
  if (owner) chownTree(target, owner.uid, owner.gid);
}

/** Removes SQLite's side files, which belong to the replaced database. */
function dropSideFiles(db: string): void {
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${db}${suffix}`, { force: true });
}

/**
 * Replaces redis 7's multi-part AOF with one base: the snapshot, and a manifest naming it
 * (redis opens a fresh incremental file at start).
 */
function restoreAofBase(rdb: string, at: NonNullable<ManifestSource['redis']>): void {
  const dir = join(at.dir, at.appenddirname);
  const base = `${at.appendfilename}.1.base.rdb`;
  const staged = `${dir}.restore`;
  rmSync(staged, { recursive: true, force: true });
  mkdirSync(staged, { recursive: true });
  cpSync(rdb, join(staged, base));
  writeFileSync(join(staged, `${at.appendfilename}.manifest`), `file ${base} seq 1 type b\n`);
  replace(staged, dir);
  rmSync(staged, { recursive: true, force: true });
}

/** Extracts and verifies archive `id`; returns the manifest and the extracted directory. */
export async function openArchive(
  dir: string,
  id: string,
): Promise<{ manifest: Manifest; extracted: string }> {
  const file = join(dir, archiveName(id));
  if (!/^[0-9-]+$/.test(id) || !existsSync(file)) throw new Error(`no backup ${id} in ${dir}`);
  const extracted = join(dir, `.restore-${id}`);
  rmSync(extracted, { recursive: true, force: true });
  mkdirSync(extracted, { recursive: true, mode: 0o700 });
  try {
    await readArchive(file, extracted);
    const manifest = await verifyExtracted(extracted);
    if (manifest.id !== id) throw new Error(`the manifest is of backup ${manifest.id}, not ${id}`);
    return { manifest, extracted };
  } catch (err) {
    rmSync(extracted, { recursive: true, force: true });
    throw new Error(`backup ${id} is damaged, nothing was restored: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Puts one source's files in place (its program is stopped). */
function restoreSource(
  s: ManifestSource,
  from: string,
  current: BackupSource | undefined,
  redisAt: NonNullable<ManifestSource['redis']> | undefined,
  dataDir: string | undefined,
): void {
  switch (s.kind) {
    case 'redis': {
      const at = redisAt ?? s.redis;
      if (!at) throw new Error('no redis directory known');
      replace(join(from, 'dump.rdb'), join(at.dir, at.dbfilename));
      // With AOF on, redis 7 loads the AOF, never the RDB: the snapshot becomes the AOF's base.
      if (at.appendonly) restoreAofBase(join(from, 'dump.rdb'), at);
      return;
    }
    case 'sqlite': {
      if (current?.kind !== 'sqlite') throw new Error(`${s.program} has no sqlite backup now`);
      dropSideFiles(current.path);
      replace(join(from, readdirSync(from)[0] as string), current.path);
      return;
    }
    case 'pocketbase': {
      if (current?.kind !== 'pocketbase')
        throw new Error(`${s.program} has no pocketbase backup now`);
      for (const name of readdirSync(from)) {
        if (name.endsWith('.db')) dropSideFiles(join(current.dir, name));
        replace(join(from, name), join(current.dir, name));
      }
      return;
    }
    case 'files': {
      const base = dataDir ?? '.';
      for (const p of s.paths ?? []) replace(join(from, p.archive), resolve(base, p.source));
    }
  }
}

/**
 * Restores backup `id` from `cfg.dir`. Refuses a damaged archive before touching anything;
 * otherwise stops the programs it covers (reverse start order), restores, starts them in order.
 */
export async function restoreBackup(
  cfg: BackupsConfig,
  dataDir: string | undefined,
  supervisor: SupervisorApi,
  id: string,
): Promise<RestoreResult> {
  const { manifest, extracted } = await openArchive(cfg.dir, id);
  try {
    const order = supervisor.names();
    const covered = order.filter((n) => manifest.sources.some((s) => s.program === n));
    // Where redis keeps its snapshot now, asked while it still runs.
    const redisAt = new Map<string, Awaited<ReturnType<typeof redisSettings>>>();
    for (const s of manifest.sources) {
      const cur = cfg.sources.find((c) => c.program === s.program);
      if (s.kind === 'redis' && cur?.kind === 'redis') {
        const settings = await redisSettings(cur.url).catch(() => undefined);
        if (settings) redisAt.set(cur.program, settings);
      }
    }
    const wasUp = new Set(
      covered.filter((n) => {
        const st = supervisor.get(n);
        return st !== undefined && !RESTING_STATES.has(st.state);
      }),
    );
    for (const name of [...covered].reverse()) {
      const r = await supervisor.stop(name);
      if (!r.ok && wasUp.has(name)) throw new Error(`cannot stop ${name}: ${r.message}`);
    }
    for (const s of manifest.sources) {
      const cur = cfg.sources.find((c) => c.program === s.program);
      restoreSource(s, join(extracted, s.dir), cur, redisAt.get(s.program ?? ''), dataDir);
    }
    const failed: string[] = [];
    for (const name of covered) {
      const r = await supervisor.start(name);
      if (!r.ok) failed.push(`${name}: ${r.message}`);
    }
    return { id, programs: covered, failed };
  } finally {
    rmSync(extracted, { recursive: true, force: true });
  }
}
