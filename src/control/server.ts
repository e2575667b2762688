// The control server: node:http on apposd's unix socket (dir 0700, socket 0600), serving the
// /v1 API of protocol.ts to appos-ctl. Never reachable on the public HTTP port.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { toErrorAnswer } from './api-error.js';
import { answerClientError, parseTarget, readJsonBody, sendJson } from './exchange.js';
import { API_ERRORS } from '../errors.js';
import { controlRoutes, type ControlDeps, type Route } from './routes.js';
import { listenPrivately, prepareSocketPath } from './socket-file.js';

export type { ControlDeps, ControlLogger } from './routes.js';

/** A running control server. */
export interface ControlServer {
  /** Ends open follow streams, closes connections (in-flight ones after 1 s), removes the socket. */
  close(): Promise<void>;
  /** The socket path it listens on. */
  readonly path: string;
}

/** How long close() lets in-flight requests finish before cutting their connections. */
const CLOSE_GRACE_MS = 1000;
/** Request bodies are small JSON objects. */
const BODY_LIMIT = 64 * 1024;
/** Limits on how long a request may take to arrive (a follow's answer may last for ever). */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Starts the control server on `deps.socket`. A socket file left by a dead apposd is
 * replaced; a live one makes this throw AppError APPOS_ERR_SOCKET_IN_USE
 * ("another apposd is already running (socket PATH answers)").
 */
export async function startControlServer(deps: ControlDeps): Promise<ControlServer> {
  await prepareSocketPath(deps.socket);
  const followers = new Set<() => void>();
  const routes = controlRoutes(deps, followers);
  let closing = false;

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    if (closing) {
      const message = 'apposd is shutting down';
      return sendJson(res, 503, { error: { code: API_ERRORS.STOPPING, message } }, true);
    }
    const { path, query } = parseTarget(url);
    const route: Route | undefined = routes.get(`${req.method} ${path}`);
    if (!route) {
      const message = `no such endpoint: ${req.method} ${url}`;
      req.resume();
      return sendJson(res, 404, { error: { code: API_ERRORS.NOT_FOUND, message } });
    }
    try {
      const body = route.method === 'POST' ? await readJsonBody(req, BODY_LIMIT) : undefined;
      if (route.method === 'GET') req.resume();
      if ('stream' in route) return route.stream({ query, body, res });
      sendJson(res, 200, await route.json({ query, body, res }));
    } catch (err) {
      const { status, body, internal } = toErrorAnswer(err);
      if (internal) deps.logger.error({ err, route: url }, 'control request failed');
      // A body left unread (too large) would be taken for the next request: close instead.
      sendJson(res, status, body, !req.complete);
    }
  };

  const server = createServer(
    { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
    (req, res) => void answer(req, res),
  );
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) =>
    answerClientError(err, socket),
  );
  await listenPrivately(server, deps.socket, (mask) => deps.host.umask(mask));
  deps.logger.info({ socket: deps.socket }, 'control socket listening');

  let closed: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    closing = true;
    for (const end of [...followers]) end();
    const done = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    try {
      await done;
    } finally {
      clearTimeout(force);
    }
  };
  return {
    path: deps.socket,
    close: () => (closed ??= close()),
  };
}
