// First-boot schema of /appos/data/appos.db (what entrypoint.sh created): run by first-boot.sh
// as root with node, which the image has for apposd. Idempotent: CREATE ... IF NOT EXISTS, and
// the file is made only when missing. Usage: node appos-db.mjs PATH UID GID
import { chownSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3';

const [path, uid, gid] = process.argv.slice(2);
if (!path || uid === undefined || gid === undefined) {
  console.error('usage: node appos-db.mjs PATH UID GID');
  process.exit(2);
}
const created = !existsSync(path);
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.exec(`
  CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
  INSERT INTO schema_version (version) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM schema_version);
  CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS apps (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
`);
db.close();
for (const f of [path, `${path}-wal`, `${path}-shm`]) {
  if (existsSync(f)) chownSync(f, Number(uid), Number(gid));
}
console.log(created ? `init: created ${path}` : `init: ${path} kept`);
