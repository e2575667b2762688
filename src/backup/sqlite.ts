// The one better-sqlite3 importer: SQLite's online backup API (a consistent copy of a database
// that is being written, WAL included), row counts of a copy, and integrity_check.
import Database from 'better-sqlite3';

/** Copies the live database `src` to `dest` page by page with the online backup API. */
export async function onlineBackup(src: string, dest: string): Promise<void> {
  const db = new Database(src, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    await db.backup(dest);
  } finally {
    db.close();
  }
}

/** Row counts of `tables` in the database at `file` (a backup copy: nothing writes to it). */
export function rowCounts(file: string, tables?: readonly string[]): Record<string, number> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const names =
      tables ??
      (
        db
          .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
          )
          .all() as { name: string }[]
      ).map((r) => r.name);
    const out: Record<string, number> = {};
    for (const name of names) {
      const quoted = `"${name.replaceAll('"', '""')}"`;
      out[name] = (db.prepare(`SELECT count(*) AS n FROM ${quoted}`).get() as { n: number }).n;
    }
    return out;
  } finally {
    db.close();
  }
}

/** PocketBase's record collections (base and auth; views hold no rows of their own). */
export function pocketbaseCollections(file: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (
      db.prepare("SELECT name FROM _collections WHERE type != 'view'").all() as { name: string }[]
    ).map((r) => r.name);
  } finally {
    db.close();
  }
}

/** `PRAGMA integrity_check`'s answer: "ok" when the database is sound. */
export function integrityCheck(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}
