// A stack that holds data for backup tests: real redis-server (AOF on) and PocketBase, a
// oneshot owning an SQLite file, a secret key and apps/, all under one data dir, with
// `backups:` pointed at a directory the test chooses. Writers add redis keys and PocketBase
// users while a backup runs.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { RespClient } from '../../src/backup/resp.js';
import { POCKETBASE } from './ctl-stack.js';
import { Daemon } from './daemon.js';
import { freePort } from './temp.js';

export interface DataStack {
  daemon: Daemon;
  data: string;
  redisPort: number;
  pbPort: number;
}

/** Seeds `data` with a secret key, apps/ and appos.db (one table, `rows` rows). */
export function seedData(data: string, rows = 50): void {
  mkdirSync(join(data, 'apps', 'hello'), { recursive: true });
  writeFileSync(join(data, 'secret.key'), randomBytes(64), { mode: 0o600 });
  writeFileSync(join(data, 'apps', 'hello', 'app.json'), '{"name":"hello"}');
  const db = new Database(join(data, 'appos.db'));
  db.exec('CREATE TABLE IF NOT EXISTS apps (id INTEGER PRIMARY KEY, name TEXT)');
  const insert = db.prepare('INSERT INTO apps (name) VALUES (?)');
  for (let i = 0; i < rows; i++) insert.run(`app-${i}`);
  db.close();
}

/** Starts apposd on a data stack in `data`, its backups in `backups`. */
export async function startDataStack(
  data: string,
  backups: string,
  opts: { keep?: number; files?: string[]; pocketbase?: boolean } = {},
): Promise<DataStack> {
  const redisPort = await freePort();
  const pbPort = await freePort();
  mkdirSync(join(data, 'redis'), { recursive: true });
  const pb =
    opts.pocketbase === false
      ? ''
      : `
  pocketbase:
    command: [${POCKETBASE}, serve, --http, "127.0.0.1:${pbPort}", --dir, ${data}/pb]
    priority: 20
    start_seconds: 100ms
    ready: { pocketbase: "http://127.0.0.1:${pbPort}", interval: 100ms }
    backup: { pocketbase: pb }`;
  const files = opts.files ?? ['secret.key', 'apps'];
  const yaml = `data_dir: ${data}
shutdown_timeout: 8s
backups:
  dir: ${backups}
  keep: ${opts.keep ?? 7}
  files: [${files.join(', ')}]
programs:
  redis:
    command: [redis-server, --port, "${redisPort}", --bind, 127.0.0.1, --save, "", --appendonly, "yes", --dir, ${data}/redis]
    priority: 10
    start_seconds: 100ms
    ready: { redis: "redis://127.0.0.1:${redisPort}", interval: 100ms }
    backup: { redis: "redis://127.0.0.1:${redisPort}" }${pb}
  appdb:
    kind: oneshot
    command: ["true"]
    priority: 30
    start_seconds: 0s
    backup: { sqlite: appos.db }
`;
  const daemon = Daemon.start(yaml);
  return { daemon, data, redisPort, pbPort };
}

/** Runs `fn` with a RESP connection to the stack's redis. */
export async function withRedis<T>(port: number, fn: (c: RespClient) => Promise<T>): Promise<T> {
  const c = await RespClient.open(`redis://127.0.0.1:${port}`, 5000);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/** Writers that keep adding redis keys k:0, k:1, ... and PocketBase users, one at a time. */
export class Writers {
  keys = 0;
  users = 0;
  private running = true;
  private readonly done: Promise<unknown>;

  constructor(stack: DataStack, pocketbase = true) {
    const redis = withRedis(stack.redisPort, async (c) => {
      while (this.running) {
        await c.command('SET', `k:${this.keys}`, String(this.keys));
        this.keys++;
      }
    });
    const pb = pocketbase ? this.pocketbase(stack.pbPort) : Promise.resolve();
    this.done = Promise.all([redis, pb]);
  }

  private async pocketbase(port: number): Promise<void> {
    while (this.running) {
      const n = this.users;
      const res = await fetch(`http://127.0.0.1:${port}/api/collections/users/records`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: `u${n}@appos.test`,
          password: 'password-123',
          passwordConfirm: 'password-123',
        }),
      });
      if (!res.ok)
        throw new Error(`PocketBase refused user ${n}: ${res.status} ${await res.text()}`);
      this.users++;
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/** Row count of a table in an SQLite file, and its integrity_check answer. */
export function sqliteFacts(file: string, table: string): { rows: number; integrity: string } {
  const db = new Database(file, { readonly: true });
  try {
    const rows = (db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[])
      .map((r) => r.integrity_check)
      .join('; ');
    return { rows, integrity };
  } finally {
    db.close();
  }
}
