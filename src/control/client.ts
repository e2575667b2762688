// appos-ctl's side of the control socket: JSON requests and the follow stream over node:http
// with `socketPath`, and the mapping of every failure to one line and an exit code.
import { request, type IncomingMessage } from 'node:http';
import { ERRORS, EXIT } from '../errors.js';
import type { ErrorBody, FollowMessage, UnknownName } from './protocol.js';

/** A failure with the one line appos-ctl prints and the exit code it leaves with. */
export class CtlError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    /** The API's error code, when apposd answered with an error. */
    readonly code?: string,
    /** Unknown program names, when apposd refused them. */
    readonly unknown?: UnknownName[],
  ) {
    super(message);
    this.name = 'CtlError';
  }
}

export interface ClientOptions {
  /** Path of apposd's control socket. */
  socket: string;
  /** How long to wait for an answer (ms); 0 waits for ever. Default 10 s. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** The line and exit code for a failure to reach apposd (exit 2: not running; 1: the rest). */
export function connectionError(err: NodeJS.ErrnoException, socket: string): CtlError {
  switch (err.code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
    case 'ENOTDIR':
      return new CtlError(
        `apposd is not running (no socket at ${socket})`,
        ERRORS.APPOS_ERR_NOT_RUNNING.exit,
      );
    case 'EACCES':
    case 'EPERM':
      return new CtlError(
        `permission denied on ${socket} (appos-ctl must run as root)`,
        EXIT.FAILED,
      );
    case 'ECONNRESET':
    case 'EPIPE':
      return new CtlError(`apposd closed the connection (socket ${socket})`, EXIT.FAILED);
    default:
      return new CtlError(`cannot reach apposd at ${socket}: ${err.message}`, EXIT.FAILED);
  }
}

interface Open {
  response: Promise<IncomingMessage>;
  abort(): void;
}

function open(options: ClientOptions, method: string, path: string, body?: unknown): Open {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string | number> = { accept: 'application/json' };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(payload);
  }
  const req = request({ socketPath: options.socket, method, path, headers, agent: false });
  let failure: CtlError | undefined;
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', (err: NodeJS.ErrnoException) =>
      reject(failure ?? connectionError(err, options.socket)),
    );
  });
  if (timeoutMs > 0) {
    req.setTimeout(timeoutMs, () => {
      failure = new CtlError(
        `apposd did not answer within ${timeoutMs / 1000}s (socket ${options.socket})`,
        EXIT.FAILED,
      );
      req.destroy(failure);
    });
  }
  req.end(payload);
  return { response, abort: () => req.destroy() };
}

function readAll(res: IncomingMessage, socket: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.once('end', () => resolve(text));
    res.once('error', (err: NodeJS.ErrnoException) => reject(connectionError(err, socket)));
    res.once('aborted', () =>
      reject(new CtlError(`apposd closed the connection (socket ${socket})`, EXIT.FAILED)),
    );
  });
}

function errorFrom(status: number, text: string): CtlError {
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (body.error && typeof body.error.message === 'string') {
      return new CtlError(body.error.message, EXIT.FAILED, body.error.code, body.error.unknown);
    }
  } catch {
    // Not JSON: fall through to the generic line.
  }
  if (status === 503) return new CtlError('apposd is shutting down', EXIT.FAILED);
  return new CtlError(`unexpected answer from apposd (HTTP ${status})`, EXIT.FAILED);
}

/** Sends one request and returns the parsed JSON answer; throws CtlError on any failure. */
export async function call<T>(
  options: ClientOptions,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await open(options, method, path, body).response;
  const text = await readAll(res, options.socket);
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) throw errorFrom(status, text);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new CtlError(`unexpected answer from apposd (not JSON, HTTP ${status})`, EXIT.FAILED);
  }
}

/** A follow stream: `done` settles when it ends; `stop()` closes it from this side. */
export interface Follow {
  /** Resolves when apposd ends the stream or stop() is called; rejects when it breaks. */
  done: Promise<void>;
  stop(): void;
}

/**
 * Opens a follow stream (NDJSON) and calls `onMessage` for each message as it arrives. The
 * timeout applies only until apposd starts answering.
 */
export function follow(
  options: ClientOptions,
  path: string,
  onMessage: (message: FollowMessage) => void,
): Follow {
  const req = open(options, 'GET', path);
  let stopped = false;
  const streamed = req.response.then(async (res) => {
    res.socket.setTimeout(0);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw errorFrom(status, await readAll(res, options.socket));
    await new Promise<void>((resolve, reject) => {
      let pending = '';
      const lost = (): void => {
        if (stopped) resolve();
        else
          reject(
            new CtlError(`lost the connection to apposd (socket ${options.socket})`, EXIT.FAILED),
          );
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          if (line.trim() === '') continue;
          try {
            onMessage(JSON.parse(line) as FollowMessage);
          } catch (err) {
            reject(
              err instanceof CtlError
                ? err
                : new CtlError('unexpected data from apposd', EXIT.FAILED),
            );
            res.destroy();
            return;
          }
        }
      });
      res.once('end', resolve);
      res.once('aborted', lost);
      res.once('error', lost);
      res.once('close', () => (stopped || res.complete ? resolve() : lost()));
    });
  });
  const done = streamed.catch((err: unknown) => {
    if (!stopped) throw err;
  });
  return {
    done,
    stop: () => {
      stopped = true;
      req.abort();
    },
  };
}
