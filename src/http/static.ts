// Static routes (`static:` with `spa:`) through @fastify/static, for what static-memory.ts
// leaves (large files, ranges, misses): ETag/Last-Modified, precompressed .br/.gz siblings,
// immutable caching under /assets/, the SPA fallback to index.html, a traversal guard, and
// compression (cached for small text files); plus the path rules both share.
import { ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import fastifyCompress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CompressedCache } from './compressed-cache.js';
import { isCompressible, negotiateEncoding } from './encoding.js';
import { pathOf, type StaticRoute } from './routes.js';

/** What the static plugin needs from the server. */
export interface StaticPluginOptions {
  /** The static route the dispatcher matched for a request, if any. */
  routeOf(req: IncomingMessage): StaticRoute | undefined;
  /** Whether `http.compress` is on (read per request: it may change on reload). */
  compress(): boolean;
  readonly cache: CompressedCache;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;
const ASSET_OPTIONS = { maxAge: YEAR_MS, immutable: true };
const HTML_FILE = /\.html(?:\.br|\.gz)?$/;
const ENCODED_SPECIAL = /%(?:2e|2f|5c|25|00)/i;
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/**
 * The file path (URL-decoded, starting with "/") that a request path asks for below a route's
 * prefix, or null when it is malformed or not canonical: any "." or ".." segment, empty
 * segments, backslashes, NUL, or something still encoded after one decode (double encoding).
 */
export function staticPath(urlPath: string, prefix: string): string | null {
  const rel = prefix === '/' ? urlPath : urlPath.slice(prefix.length) || '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    return null;
  }
  if (decoded.charCodeAt(0) !== 47) return null;
  if (decoded.includes('\0') || decoded.includes('\\') || decoded.includes('//')) return null;
  if (ENCODED_SPECIAL.test(decoded) || DOT_SEGMENT.test(decoded)) return null;
  return decoded;
}

/** A GET/HEAD that a browser makes to show a page: Accept has text/html, or no file extension. */
export function isNavigation(accept: string | undefined, path: string): boolean {
  if (accept !== undefined && accept.includes('text/html')) return true;
  return !path.slice(path.lastIndexOf('/') + 1).includes('.');
}

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
export async function staticPlugin(app: FastifyInstance, opts: StaticPluginOptions): Promise<void> {
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
      cache.fill(path, tag);
      return done(null, payload);
    }
    payload.destroy();
    reply.header('content-encoding', encoding);
    reply.header('content-length', hit.length);
    if (reply.getHeader('vary') === undefined) reply.header('vary', 'Accept-Encoding');
    return done(null, hit);
  });

  app.setErrorHandler((err: { statusCode?: number; code?: string }, request, reply) => {
    if (err.code === 'ERR_STREAM_PREMATURE_CLOSE') {
      request.raw.destroy();
      return;
    }
    const status = err.statusCode === 403 || err.statusCode === 404 ? 404 : 500;
    reply
      .code(status)
      .type('application/json; charset=utf-8')
      .send(status === 404 ? '{"error":"not_found"}' : '{"error":"internal"}');
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
