// An archive's manifest (manifest.json, inside it and beside it): what each source holds, every
// file with its size and sha256, and the check of an extracted archive against it.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** One file of the archive. */
export interface ManifestFile {
  /** Path inside the archive, with "/". */
  path: string;
  size: number;
  sha256: string;
}

/** What one source put in the archive. */
export interface ManifestSource {
  /** The program whose `backup:` this is, or null for the top-level `backups.files`. */
  program: string | null;
  kind: 'redis' | 'pocketbase' | 'sqlite' | 'files';
  /** Directory inside the archive that holds this source's files. */
  dir: string;
  /** Keys (redis) or rows per table/collection (sqlite, pocketbase) in the copy. */
  counts: Record<string, number>;
  /** redis: where the server kept its snapshot, to restore when the server is down. */
  redis?: {
    dir: string;
    dbfilename: string;
    appendonly: boolean;
    appenddirname: string;
    appendfilename: string;
  };
  /** files: each copied path, relative to data_dir when it lies inside it. */
  paths?: { archive: string; source: string }[];
}

export interface Manifest {
  format: 1;
  id: string;
  created_at: string;
  sources: ManifestSource[];
  files: ManifestFile[];
}

/** The archive's manifest file name. */
export const MANIFEST = 'manifest.json';

/** sha256 of a file, hex. */
export function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => hash.update(c))
      .once('error', reject)
      .once('end', () => resolve(hash.digest('hex')));
  });
}

/** Every regular file under `dir` (relative, "/"-separated), sorted. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

/** Size and sha256 of every file under `staging` except the manifest. */
export async function describeFiles(staging: string): Promise<ManifestFile[]> {
  const out: ManifestFile[] = [];
  for (const path of filesUnder(staging)) {
    if (path === MANIFEST) continue;
    const full = join(staging, path);
    out.push({ path, size: statSync(full).size, sha256: await sha256(full) });
  }
  return out;
}

/**
 * Checks an extracted archive in `dir` against its manifest: every listed file present with
 * its size and sha256, and nothing else. Returns the manifest, or throws saying what is wrong.
 */
export async function verifyExtracted(dir: string): Promise<Manifest> {
  const manifestPath = join(dir, MANIFEST);
  if (!existsSync(manifestPath)) throw new Error('the archive has no manifest.json');
  const manifest = parseManifest(readFileSync(manifestPath, 'utf8'));
  const present = new Set(filesUnder(dir).filter((p) => p !== MANIFEST));
  for (const f of manifest.files) {
    const full = join(dir, f.path);
    if (!present.has(f.path)) throw new Error(`${f.path} is missing from the archive`);
    present.delete(f.path);
    const size = statSync(full).size;
    if (size !== f.size)
      throw new Error(`${f.path} has ${size} bytes, the manifest says ${f.size}`);
    if ((await sha256(full)) !== f.sha256) throw new Error(`${f.path} does not match its sha256`);
  }
  const extra = [...present];
  if (extra.length > 0) throw new Error(`${extra[0]} is in the archive but not in its manifest`);
  return manifest;
}

/** Parses a manifest, refusing one that is not apposd's format 1. */
export function parseManifest(text: string): Manifest {
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(text) as Partial<Manifest>;
  } catch {
    throw new Error('manifest.json is not JSON');
  }
  if (m.format !== 1 || !Array.isArray(m.files) || !Array.isArray(m.sources)) {
    throw new Error('manifest.json is not an apposd backup manifest (format 1)');
  }
  return m as Manifest;
}
