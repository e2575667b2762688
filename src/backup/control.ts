// The control API's backup handlers as plain functions (transport-free): take, list, restore.
// control/routes.ts registers them on whatever serves the socket.
import type { BackupResponse, BackupsResponse, RestoreResponse } from '../control/protocol.js';
import { AppError } from '../errors.js';
import type { BackupService } from './service.js';

/** POST /v1/backup: one backup now. */
export async function handleBackup(service: BackupService): Promise<BackupResponse> {
  const r = await service.backup();
  return {
    id: r.id,
    path: r.path,
    size: r.size,
    created_at: r.manifest.created_at,
    sources: r.manifest.sources.map((s) => ({
      program: s.program,
      kind: s.kind,
      counts: s.counts,
    })),
    removed: r.removed,
  };
}

/** GET /v1/backups: the archives, oldest first. */
export function handleBackups(service: BackupService): BackupsResponse {
  const backups = service.list();
  const cfg = service.config;
  return { dir: cfg?.dir ?? '', keep: cfg?.keep ?? 0, backups };
}

/** POST /v1/restore with `{ id }`. */
export async function handleRestore(
  service: BackupService,
  body: unknown,
): Promise<RestoreResponse> {
  const id = (body as { id?: unknown } | null)?.id;
  if (typeof id !== 'string' || id === '') {
    throw new AppError('APPOS_ERR_USAGE', 'restore needs the id of a backup');
  }
  const r = await service.restore(id);
  return { id: r.id, programs: r.programs, failed: r.failed };
}
