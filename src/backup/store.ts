// The backups directory: archive names from ids, the list (from each archive's manifest kept
// beside it), the free-space check, and retention (oldest archives beyond `keep` removed).
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { parseManifest, type Manifest } from './manifest.js';

const ARCHIVE = /^appos-(\d{8}-\d{6}-\d{3})\.tar\.gz$/;

/** One archive in the backups directory. */
export interface BackupEntry {
  id: string;
  path: string;
  size: number;
  created_at: string;
  /** What it holds: per source, its program (or "files") and counts. */
  sources: { program: string | null; kind: string; counts: Record<string, number> }[];
}

/** An id from a time: 20261204-031500-123 (UTC), sortable. */
export function idAt(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}-${iso.slice(20, 23)}`;
}

export const archiveName = (id: string): string => `appos-${id}.tar.gz`;
export const sidecarName = (id: string): string => `appos-${id}.manifest.json`;

/** Archives in `dir`, oldest first. */
export function listBackups(dir: string): BackupEntry[] {
  if (!existsSync(dir)) return [];
  const out: BackupEntry[] = [];
  for (const name of readdirSync(dir).sort()) {
    const m = ARCHIVE.exec(name);
    if (!m) continue;
    const id = m[1] as string;
    const path = join(dir, name);
    let manifest: Manifest | null;
    try {
      manifest = parseManifest(readFileSync(join(dir, sidecarName(id)), 'utf8'));
    } catch {
      manifest = null;
    }
    out.push({
      id,
      path,
      size: statSync(path).size,
      created_at: manifest?.created_at ?? statSync(path).mtime.toISOString(),
      sources: (manifest?.sources ?? []).map((s) => ({
        program: s.program,
        kind: s.kind,
        counts: s.counts,
      })),
    });
  }
  return out;
}

/** Free bytes for an unprivileged writer in `dir`'s file system. */
export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** Removes the oldest archives (and their manifests) beyond `keep`; returns the removed ids. */
export function applyRetention(dir: string, keep: number): string[] {
  const all = listBackups(dir);
  const drop = all.slice(0, Math.max(0, all.length - keep));
  for (const b of drop) {
    rmSync(b.path, { force: true });
    rmSync(join(dir, sidecarName(b.id)), { force: true });
  }
  return drop.map((b) => b.id);
}
