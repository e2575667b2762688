// The bench run's shared ground: a temp dir with a copy of the dashboard, a primed data dir
// (PocketBase migrations applied once, so no launch pays for them), and free loopback ports.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PATHS, ROOT } from './stack.mjs';

/** A TCP port on 127.0.0.1 that was free a moment ago (never below 10000). */
async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const srv = createServer();
      srv.on('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
      });
    });
    if (port >= 10000) return port;
  }
}

/**
 * Creates the run's temp dir, dashboard copy, data dir and ports.
 * @returns {Promise<import('./stack.mjs').StackSettings & {cleanup: () => void}>}
 */
export async function createSettings() {
  const dir = mkdtempSync(join(tmpdir(), 'apposd-bench-'));
  // nginx's workers run as nobody: they must reach the dashboard copy.
  chmodSync(dir, 0o755);
  const webDir = join(dir, 'web');
  cpSync(join(ROOT, 'test/fixtures/dashboard'), webDir, { recursive: true });
  const dataDir = join(dir, 'data');
  mkdirSync(join(dataDir, 'redis'), { recursive: true });
  mkdirSync(join(dataDir, 'pocketbase'), { recursive: true });
  const primed = spawnSync(
    PATHS.pocketbase,
    ['migrate', 'up', '--dir', join(dataDir, 'pocketbase')],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (primed.status !== 0) {
    throw new Error(`pocketbase migrate failed: ${primed.stderr || primed.error?.message}`);
  }
  const ports = new Set();
  while (ports.size < 5) ports.add(await freePort());
  const [http, redis, pocketbase, backend, peers] = [...ports];
  return {
    dir,
    dataDir,
    webDir,
    ports: { http, redis, pocketbase, backend, peers },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
