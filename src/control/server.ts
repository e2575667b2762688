// The control server: fastify on apposd's unix socket (dir 0700, socket 0600), serving the
// /v1 API of protocol.ts to appos-ctl. Never reachable on the public HTTP port.
import Fastify from 'fastify';
import { registerRoutes, type ControlDeps } from './routes.js';
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

/**
 * Starts the control server on `deps.socket`. A socket file left by a dead apposd is
 * replaced; a live one makes this throw AppError APPOS_ERR_SOCKET_IN_USE
 * ("another apposd is already running (socket PATH answers)").
 */
export async function startControlServer(deps: ControlDeps): Promise<ControlServer> {
  await prepareSocketPath(deps.socket);
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT });
  const followers = new Set<() => void>();
  registerRoutes(app, deps, followers);
  await app.ready();
  try {
    await listenPrivately(app.server, deps.socket);
  } catch (err) {
    await app.close();
    throw err;
  }
  deps.logger.info({ socket: deps.socket }, 'control socket listening');

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    for (const end of [...followers]) end();
    app.server.closeIdleConnections();
    const force = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
    try {
      await app.close();
    } finally {
      clearTimeout(force);
    }
  };
  return {
    path: deps.socket,
    close: () => (closing ??= close()),
  };
}
