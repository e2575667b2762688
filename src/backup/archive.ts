// The one `tar` importer: writes a gzip'd tar of a staging directory and reads one back into a
// directory, strictly (a truncated or corrupt archive is an error, not a partial success).
import { create, extract } from 'tar';

/** Writes `entries` (paths relative to `cwd`) into the gzip'd tar `file`. */
export async function writeArchive(file: string, cwd: string, entries: string[]): Promise<void> {
  await create({ gzip: true, file, cwd, portable: true, noMtime: false }, entries);
}

/** Extracts the gzip'd tar `file` into `dir`; rejects on any damage. */
export async function readArchive(file: string, dir: string): Promise<void> {
  await extract({ file, cwd: dir, strict: true, preserveOwner: false });
}
