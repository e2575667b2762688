// The control socket's place on disk: a 0700 directory, a stale socket (nothing answers)
// replaced, a live one (another apposd answers) refused, and a listen that never exposes the
// socket with a mode wider than 0600.
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import type { Server } from 'node:net';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { AppError } from '../errors.js';

/** How long a connect to an existing socket may take before it counts as answering. */
const PROBE_TIMEOUT_MS = 1000;

function inUse(path: string): AppError {
  return new AppError(
    'APPOS_ERR_SOCKET_IN_USE',
    `another apposd is already running (socket ${path} answers)`,
  );
}

/** Whether something accepts connections on the unix socket at `path`. */
export function socketAnswers(path: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (answers: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answers);
    };
    const timer = setTimeout(() => done(true), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done(err.code !== 'ECONNREFUSED' && err.code !== 'ENOENT'),
    );
  });
}

/**
 * Makes `path` ready to listen on: creates its directory with mode 0700 when missing; when
 * a socket is already there, removes it if nothing answers, else throws
 * APPOS_ERR_SOCKET_IN_USE. Refuses to remove anything that is not a socket.
 */
export async function prepareSocketPath(path: string): Promise<void> {
  const dir = dirname(path);
  if (mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dir, 0o700);
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!isSocket) {
    throw new AppError(
      'APPOS_ERR_SOCKET_IN_USE',
      `${path} exists and is not a socket; remove it or set control.socket to another path`,
    );
  }
  if (await socketAnswers(path)) throw inUse(path);
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Binds `server` to the unix socket `path` with mode 0600 from the first moment: the umask
 * is narrowed only around the synchronous bind inside `listen()`, then the mode is set again
 * explicitly. EADDRINUSE (another daemon won the race) becomes APPOS_ERR_SOCKET_IN_USE.
 * `umask` sets apposd's file mode creation mask and returns the previous one.
 */
export function listenPrivately(
  server: Server,
  path: string,
  umask: (mask: number) => number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(err.code === 'EADDRINUSE' ? inUse(path) : err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      try {
        chmodSync(path, 0o600);
        resolve();
      } catch (err) {
        server.close();
        reject(err);
      }
    };
    server.once('error', onError);
    server.once('listening', onListening);
    const previous = umask(0o177);
    try {
      server.listen(path);
    } finally {
      umask(previous);
    }
  });
}
