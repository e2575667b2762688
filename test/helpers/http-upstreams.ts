// Real upstream processes for HTTP tests: the example backend (test/fixtures/example-backend.mjs)
// and the real PocketBase binary, each on a free port, stopped by pid on cleanup.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { freePort, tempDir } from './temp.js';
import { waitFor } from './wait-for.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BACKEND_SCRIPT = join(ROOT, 'test/fixtures/example-backend.mjs');
export const DASHBOARD_DIR = join(ROOT, 'test/fixtures/dashboard');
export const POCKETBASE_BIN = join(ROOT, 'node_modules/.bin/pocketbase');

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
});

/** GET `url`; resolves with the status, or rejects when nothing answers. */
export function probe(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** A child process serving HTTP on a loopback port. */
export class Upstream {
  child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    private readonly spawnIt: () => ChildProcess,
    private readonly healthPath: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns the process and waits until its health path answers 200. */
  async start(): Promise<this> {
    const child = this.spawnIt();
    this.child = child;
    running.add(child);
    child.once('exit', () => running.delete(child));
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
        return (await probe(this.url + this.healthPath)) === 200;
      },
      { timeoutMs: 20_000, what: `upstream on port ${this.port}` },
    );
    return this;
  }

  /** Sends `signal` and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }

  /** SIGTERM, then SIGKILL after 3 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await this.kill('SIGTERM');
    clearTimeout(timer);
  }
}

/** Starts test/fixtures/example-backend.mjs on a free port (or `port`). */
export async function startBackend(port?: number): Promise<Upstream> {
  const p = port ?? (await freePort());
  const backend = new Upstream(
    p,
    () =>
      spawn(process.execPath, [BACKEND_SCRIPT], {
        env: { ...process.env, PORT: String(p) },
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    '/healthz',
  );
  return backend.start();
}

/** A running PocketBase with an admin account, and its data dir. */
export interface PocketBase {
  readonly upstream: Upstream;
  readonly email: string;
  readonly password: string;
  /** Stops PocketBase and removes its data dir. */
  cleanup(): Promise<void>;
}

/** Starts the real PocketBase binary (v0.22) in a temp dir, with an admin created first. */
export async function startPocketBase(): Promise<PocketBase> {
  const dir = tempDir('apposd-pb-');
  const email = 'admin@example.com';
  const password = 'correct-horse-battery';
  try {
    // Keep PocketBase's files in the temp dir: by default automigrate writes migration files
    // next to the data dir (here: /tmp/pb_migrations), and later runs would apply them.
    const dirs = ['--dir', join(dir.path, 'data'), '--migrationsDir', join(dir.path, 'migrations')];
    // A fresh data dir needs its migrations before an admin can be created (v0.22).
    execFileSync(POCKETBASE_BIN, ['migrate', 'up', ...dirs], { stdio: 'ignore' });
    execFileSync(POCKETBASE_BIN, ['admin', 'create', email, password, ...dirs], {
      stdio: 'ignore',
    });
    const port = await freePort();
    const upstream = new Upstream(
      port,
      () =>
        spawn(
          POCKETBASE_BIN,
          ['serve', '--http', `127.0.0.1:${port}`, '--automigrate=false', ...dirs],
          {
            stdio: ['ignore', 'ignore', 'inherit'],
          },
        ),
      '/api/health',
    );
    await upstream.start();
    return {
      upstream,
      email,
      password,
      async cleanup() {
        await upstream.stop();
        dir.cleanup();
      },
    };
  } catch (err) {
    dir.cleanup();
    throw err;
  }
}
