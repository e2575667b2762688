// GET/HEAD on static routes answered from memory (file-cache.ts) straight on the raw server:
// the headers, validators (304), precompressed siblings, cached compression and SPA fallback of
// the @fastify/static path, which still takes large files, misses, ranges and anything unusual.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CompressedCache } from './compressed-cache.js';
import { ACCEPTS_BR, ACCEPTS_GZIP, acceptedEncodings, type Encoding } from './encoding.js';
import { FileCache, withBody, type Cached, type MemoryFile, type Variant } from './file-cache.js';
import { pathOf, type StaticRoute } from './routes.js';
import { isNavigation, staticPath } from './static.js';

/** Hands a request the memory path does not answer to the @fastify/static path. */
export type Decline = (req: IncomingMessage, res: ServerResponse, route: StaticRoute) => void;

const INDEX = '/index.html';
const TOKEN_SEPARATORS = /[ ,]+/;

/** True when an If-None-Match list names `etag` (weak comparison, as @fastify/send does). */
export function etagMatches(list: string, etag: string): boolean {
  if (list === etag || list === '*') return true;
  for (const token of list.split(TOKEN_SEPARATORS)) {
    if (token === etag || `W/${token}` === etag) return true;
  }
  return false;
}

/** True when the client's copy of `v` is current (RFC 9110: If-None-Match wins). */
function notModified(req: IncomingMessage, v: Variant): boolean {
  const h = req.headers;
  const cacheControl = h['cache-control'];
  if (cacheControl !== undefined && cacheControl.includes('no-cache')) return false;
  const inm = h['if-none-match'];
  if (inm !== undefined) return etagMatches(inm, v.etag);
  const ims = h['if-modified-since'];
  return ims !== undefined && v.modifiedMs <= Date.parse(ims);
}

/** Serves static routes' small files from memory, one {@link FileCache} per root. */
export class StaticMemory {
  private readonly caches = new Map<string, FileCache>();

  constructor(
    private readonly compressed: CompressedCache,
    /** True once shutdown began: responses close their connections. */
    private readonly closing: () => boolean,
    private readonly decline: Decline,
  ) {}

  /** The files of `root`, kept across reloads while a static route serves that root. */
  filesOf(root: string): FileCache {
    let files = this.caches.get(root);
    if (files === undefined) {
      files = new FileCache(root);
      this.caches.set(root, files);
    }
    return files;
  }

  /** Forgets the roots no static route serves any more. */
  retain(roots: ReadonlySet<string>): void {
    for (const root of this.caches.keys()) if (!roots.has(root)) this.caches.delete(root);
  }

  /** Drops every cached file. */
  clear(): void {
    for (const cache of this.caches.values()) cache.clear();
  }

  /** Answers a request on `route`, whose files `files` holds; declines what it cannot serve. */
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    route: StaticRoute,
    files: FileCache,
    compress: boolean,
  ): void {
    const h = req.headers;
    const method = req.method;
    const path =
      (method === 'GET' || method === 'HEAD') &&
      h.range === undefined &&
      h['if-match'] === undefined &&
      h['if-unmodified-since'] === undefined
        ? staticPath(pathOf(req.url ?? '/'), route.path)
        : null;
    // Dotfiles (any segment starting with ".") are left to @fastify/static, which hides them.
    if (path === null || path.includes('/.')) {
      this.decline(req, res, route);
      return;
    }
    const rel = path.charCodeAt(path.length - 1) === 47 ? `${path}index.html` : path;
    const known = files.peek(rel, Date.now());
    if (known !== undefined) {
      this.answer(req, res, route, files, path, known, compress);
      return;
    }
    files
      .get(rel)
      .then(
        (c) => this.answer(req, res, route, files, path, c, compress),
        () => this.decline(req, res, route),
      )
      .catch(() => res.destroy());
  }

  private answer(
    req: IncomingMessage,
    res: ServerResponse,
    route: StaticRoute,
    files: FileCache,
    path: string,
    c: Cached,
    compress: boolean,
  ): void {
    if (res.destroyed) return;
    if (c.kind === 'file') {
      this.send(req, res, route, c, compress);
      return;
    }
    if (
      c.kind === 'missing' &&
      route.spa &&
      !path.startsWith('/assets/') &&
      isNavigation(req.headers.accept, path)
    ) {
      const index = files.peek(INDEX, Date.now());
      if (index?.kind === 'file') {
        this.send(req, res, route, index, compress);
        return;
      }
      if (index === undefined) {
        files
          .get(INDEX)
          .then(
            (i) => {
              if (res.destroyed) return;
              if (i.kind === 'file') this.send(req, res, route, i, compress);
              else this.decline(req, res, route);
            },
            () => this.decline(req, res, route),
          )
          .catch(() => res.destroy());
        return;
      }
    }
    this.decline(req, res, route);
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    route: StaticRoute,
    f: MemoryFile,
    compress: boolean,
  ): void {
    const accepted = acceptedEncodings(req.headers['accept-encoding']);
    let v = f.identity;
    if (accepted !== 0) {
      if ((accepted & ACCEPTS_BR) !== 0 && f.br !== null) v = f.br;
      else if ((accepted & ACCEPTS_GZIP) !== 0 && f.gzip !== null) v = f.gzip;
      else if (compress && f.compressible) {
        const made = this.made(f, (accepted & ACCEPTS_BR) !== 0 ? 'br' : 'gzip');
        // Not compressed yet: the @fastify/static path compresses this one on the fly.
        if (made === undefined) {
          this.decline(req, res, route);
          return;
        }
        v = made;
      }
    }
    const h = req.headers;
    const conditional = h['if-none-match'] !== undefined || h['if-modified-since'] !== undefined;
    if (conditional && notModified(req, v)) this.write(res, 304, v.notModified, undefined);
    else this.write(res, 200, v.ok, req.method === 'HEAD' ? undefined : v.body);
  }

  /** The compressed copy of `f` in `encoding` with its headers, or undefined (now being made). */
  private made(f: MemoryFile, encoding: Encoding): Variant | undefined {
    const tag = f.identity.etag;
    const body = this.compressed.get(f.abs, tag, encoding);
    if (body === undefined) {
      this.compressed.fill(f.abs, tag);
      return undefined;
    }
    const known = f.made[encoding];
    if (known !== undefined && known.body === body) return known;
    const v = withBody(f.identity, body, encoding);
    f.made[encoding] = v;
    return v;
  }

  private write(
    res: ServerResponse,
    status: number,
    headers: readonly string[],
    body: Buffer | undefined,
  ): void {
    const all = this.closing() ? [...headers, 'connection', 'close'] : headers;
    res.writeHead(status, all as string[]);
    res.end(body);
  }
}
