// Static routes (`static:` with `spa:`) through @fastify/static, for what static/memory.ts
// leaves (large files, ranges, misses): ETag/Last-Modified, precompressed .br/.gz siblings,
// immutable caching under /assets/, the SPA fallback to index.html, a traversal guard, and
// compression (cached for small text files). The one fastify instance (and fastify's one home)
// answers them on the shared node:http server; it never sees proxied requests or /api/health.
import { ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import fastifyCompress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { HttpLogger } from '../access-log.js';
import type { CompressedCache } from './compressed-cache.js';
import { isCompressible, negotiateEncoding } from '../encoding.js';
import { pathOf, type StaticRoute } from '../routes.js';
import { isNavigation, staticPath } from './path.js';

/** What the static plugin needs from the server. */
export interface StaticPluginOptions {
  /** The static route the dispatcher matched for a request, if any. */
  routeOf(req: IncomingMessage): StaticRoute | undefined;
  /** Whether `http.compress` is on (read per request: it may change on reload). */
  compress(): boolean;
  readonly cache: CompressedCache;
}

/** An error @fastify/send answers with (through @fastify/static's reply.send). */
interface SendError {
  readonly statusCode?: number;
  readonly code?: string;
  readonly message?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * What the edge answers for each error @fastify/send reports: a file it hides (403) or lacks is
 * 404, a failed If-Match or If-Unmodified-Since 412, a range past the end 416, anything else 500.
 */
const SEND_ANSWERS = new Map<number, { status: number; body: string }>([
  [403, { status: 404, body: '{"error":"not_found"}' }],
  [404, { status: 404, body: '{"error":"not_found"}' }],
  [412, { status: 412, body: '{"error":"precondition_failed"}' }],
  [416, { status: 416, body: '{"error":"range_not_satisfiable"}' }],
  [500, { status: 500, body: '{"error":"internal"}' }],
]);

const YEAR_MS = 365 * 24 * 3600 * 1000;
const ASSET_OPTIONS = { maxAge: YEAR_MS, immutable: true };
const HTML_FILE = /\.html(?:\.br|\.gz)?$/;

async function servable(root: string, path: string): Promise<boolean> {
  try {
    const s = await stat(join(root, path));
    if (s.isFile()) return true;
    return s.isDirectory() && (await stat(join(root, path, 'index.html'))).isFile();
  } catch {
    return false;
  }
}

/** Registers the static file handling (one catch-all GET/HEAD route) in an encapsulated scope. */
async function staticPlugin(app: FastifyInstance, opts: StaticFallbackOptions): Promise<void> {
  const { cache } = opts;
  await app.register(fastifyStatic, {
    serve: false,
    preCompressed: true,
    dotfiles: 'ignore',
    index: ['index.html'],
    setHeaders(reply: FastifyReply, path: string) {
      if (HTML_FILE.test(path)) reply.header('cache-control', 'no-cache');
    },
  });
  await app.register(fastifyCompress, {
    global: true,
    globalDecompression: false,
    encodings: ['br', 'gzip'],
    threshold: 1024,
    customTypes: isCompressible,
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    if (!(payload instanceof ReadStream) || reply.statusCode !== 200) return done(null, payload);
    const size = Number(reply.getHeader('content-length'));
    const type = reply.getHeader('content-type');
    if (
      !(size >= 1024 && size <= cache.maxFileBytes) ||
      reply.getHeader('content-encoding') !== undefined ||
      typeof type !== 'string' ||
      !isCompressible(type)
    ) {
      return done(null, payload);
    }
    const encoding = negotiateEncoding(request.headers['accept-encoding']);
    if (!encoding || !opts.compress()) return done(null, payload);
    const path = String(payload.path);
    const tag = String(reply.getHeader('etag') ?? reply.getHeader('last-modified') ?? '');
    const hit = cache.get(path, tag, encoding);
    if (!hit) {
      void cache.fill(path, tag);
      return done(null, payload);
    }
    payload.destroy();
    reply.header('content-encoding', encoding);
    reply.header('content-length', hit.length);
    if (reply.getHeader('vary') === undefined) reply.header('vary', 'Accept-Encoding');
    return done(null, hit);
  });

  app.setErrorHandler((err: SendError, request, reply) => {
    if (err.code === 'ERR_STREAM_PREMATURE_CLOSE') {
      request.raw.destroy();
      return;
    }
    const status = err.statusCode ?? 500;
    const answer = SEND_ANSWERS.get(status) ?? SEND_ANSWERS.get(500)!;
    // A range past the file's end: the 416 says how long the file is (RFC 9110 15.5.17).
    const range = status === 416 ? err.headers?.['Content-Range'] : undefined;
    if (range !== undefined) reply.header('content-range', range);
    if (answer.status >= 500) {
      opts.log.error({ path: pathOf(request.url), err: err.message ?? err.code }, 'http error');
    }
    reply.code(answer.status).type(JSON_TYPE).send(answer.body);
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/*',
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const route = opts.routeOf(request.raw);
      if (!route) return reply.callNotFound();
      const path = staticPath(pathOf(request.raw.url ?? '/'), route.path);
      if (path === null) return reply.callNotFound();
      if (!opts.compress()) request.headers['x-no-compression'] = '1';
      if (path.startsWith('/assets/')) return reply.sendFile(path, route.root, ASSET_OPTIONS);
      if (
        route.spa &&
        isNavigation(request.headers.accept, path) &&
        !(await servable(route.root, path))
      ) {
        return reply.sendFile('/index.html', route.root);
      }
      return reply.sendFile(path, route.root);
    },
  });
}

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
    // The listener answers parser errors itself (server.ts), also before this instance exists.
    clientErrorHandler: () => undefined,
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
