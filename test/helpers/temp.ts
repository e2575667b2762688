// Temporary directories and free loopback ports for tests.
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the OS temp dir; `cleanup()` removes it. */
export function tempDir(prefix = 'apposd-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A file opened for writing in a fresh temp dir (a logger's output); `cleanup()` closes it and
 * removes the dir. */
export function tempOutput(prefix = 'apposd-output-'): {
  dir: string;
  file: string;
  fd: number;
  cleanup: () => void;
} {
  const dir = tempDir(prefix);
  const file = join(dir.path, 'stdout');
  const fd = openSync(file, 'w');
  return {
    dir: dir.path,
    file,
    fd,
    cleanup: () => {
      closeSync(fd);
      dir.cleanup();
    },
  };
}

/**
 * Ports handed out here lie below the kernel's ephemeral range (32768-60999 by default), where
 * the outgoing connections of the other test files cannot take them between the moment a port
 * is found free and the moment a test's server (or a restarted program) listens on it again;
 * `listen(0)` picked from that range, and a program restarted on its port could meet
 * EADDRINUSE. Each vitest worker has its own slice, so workers never hand out the same port.
 */
const FIRST_PORT = 20_000;
const SLICE = 1_000;
const slice = FIRST_PORT + (Number(process.env.VITEST_POOL_ID ?? 0) % 12) * SLICE;
let cursor = Math.floor(Math.random() * SLICE);

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago (see FIRST_PORT). */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < SLICE; tries++) {
    const port = slice + (cursor++ % SLICE);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${slice}-${slice + SLICE - 1}`);
}
