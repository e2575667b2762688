// The rare static path: one fastify instance (with @fastify/static and @fastify/compress via
// static.ts) answering what memory does not serve (large files, misses, SPA fallbacks, 404s).
// It shares the public node:http server but never sees proxied requests or /api/health.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import fastify, { type FastifyReply } from 'fastify';
import type { HttpLogger } from './access-log.js';
import { handleClientError } from './client-errors.js';
import { pathOf } from './routes.js';
import { staticPlugin, type StaticPluginOptions } from './static.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const NOT_FOUND = '{"error":"not_found"}';
const BAD_REQUEST = '{"error":"bad_request"}';

/** What the fallback needs: the static plugin's options and a logger for its 5xx. */
export interface StaticFallbackOptions extends StaticPluginOptions {
  readonly log: HttpLogger;
}

/** The fallback's handler and its close. */
export interface StaticFallback {
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

/** Builds the fallback on `server` (its requests are handed over by the dispatcher). */
export async function createStaticFallback(
  server: Server,
  opts: StaticFallbackOptions,
): Promise<StaticFallback> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const app = fastify({
    serverFactory: (h) => {
      handler = h;
      return server;
    },
    logger: false,
    return503OnClosing: false,
    forceCloseConnections: false,
    clientErrorHandler: handleClientError,
    // Fastify's own 400s (a URL it cannot decode) would name its internal error code.
    frameworkErrors: (_err, _request, reply) => {
      void (reply as FastifyReply).code(400).type(JSON_TYPE).send(BAD_REQUEST);
    },
  });
  await app.register(staticPlugin, opts);
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).type(JSON_TYPE).send(NOT_FOUND);
  });
  app.setErrorHandler((err: { statusCode?: number; message?: string }, request, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500)
      opts.log.error({ path: pathOf(request.url), err: err.message }, 'http error');
    reply
      .code(status)
      .type(JSON_TYPE)
      .send(status >= 500 ? '{"error":"internal"}' : BAD_REQUEST);
  });
  await app.ready();
  const handle = handler!;
  return { handle: (req, res) => handle(req, res), close: () => app.close() };
}
