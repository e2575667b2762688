// Takes one backup: snapshot and measure each source, check free space, copy everything into a
// staging directory, write the manifest, tar it to a temporary name, rename it when complete,
// and only then apply retention. A failure removes what it wrote and leaves older archives.
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackupsConfig } from '../config/types.js';
import { writeArchive } from './archive.js';
import { describeFiles, MANIFEST, type Manifest, type ManifestSource } from './manifest.js';
import { copySource, prepareSource, type PreparedSource } from './sources.js';
import { applyRetention, archiveName, freeBytes, idAt, sidecarName } from './store.js';

/** Room kept free beyond the estimate, for the file system's own needs. */
const SPARE_BYTES = 1024 * 1024;

/** A backup that was written. */
export interface BackupResult {
  id: string;
  path: string;
  size: number;
  manifest: Manifest;
  /** Ids of older archives removed by retention. */
  removed: string[];
}

const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** Takes one consistent backup as `cfg` says; throws with the reason on failure. */
export async function takeBackup(
  cfg: BackupsConfig,
  dataDir: string | undefined,
  now = Date.now(),
): Promise<BackupResult> {
  mkdirSync(cfg.dir, { recursive: true, mode: 0o700 });
  const id = idAt(now);
  const staging = join(cfg.dir, `.staging-${id}`);
  const partial = join(cfg.dir, `.${archiveName(id)}.partial`);
  const final = join(cfg.dir, archiveName(id));
  let result: BackupResult;
  try {
    const prepared: PreparedSource[] = [];
    for (const source of cfg.sources) prepared.push(await prepareSource(source));
    if (cfg.files.length > 0) {
      prepared.push(await prepareSource({ program: '', kind: 'files', paths: cfg.files }));
    }
    // The staging copy and the archive both land in dir: room for both, plus some spare.
    const estimate = prepared.reduce((n, p) => n + p.bytes, 0);
    const free = await freeBytes(cfg.dir);
    if (free < 2 * estimate + SPARE_BYTES) {
      throw new Error(
        `not enough free space in ${cfg.dir}: ${mib(free)} free, a backup needs about ${mib(2 * estimate + SPARE_BYTES)}`,
      );
    }
    mkdirSync(staging, { mode: 0o700 });
    const sources: ManifestSource[] = [];
    for (const p of prepared) {
      const program = p.source.program === '' ? null : p.source.program;
      const dir = program === null ? 'files' : join('programs', program);
      const s = await copySource(p, staging, dir, dataDir);
      sources.push({ ...s, program });
    }
    const manifest: Manifest = {
      format: 1,
      id,
      created_at: new Date(now).toISOString(),
      sources,
      files: await describeFiles(staging),
    };
    const text = `${JSON.stringify(manifest, null, 2)}\n`;
    writeFileSync(join(staging, MANIFEST), text);
    const top = [MANIFEST, ...new Set(sources.map((s) => s.dir.split('/')[0] as string))];
    await writeArchive(partial, staging, top);
    writeFileSync(join(cfg.dir, sidecarName(id)), text, { mode: 0o600 });
    renameSync(partial, final);
    result = { id, path: final, size: statSync(final).size, manifest, removed: [] };
  } catch (err) {
    rmSync(partial, { force: true });
    rmSync(join(cfg.dir, sidecarName(id)), { force: true });
    throw err;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  // Retention only once this backup is complete.
  result.removed = applyRetention(cfg.dir, cfg.keep);
  return result;
}
