// GET/HEAD on static routes answered from memory (file-cache.ts) straight on the raw server:
// the headers, validators (304), precompressed siblings, cached compression and SPA fallback of
// the @fastify/static path, which still takes large files, misses, ranges and anything unusual.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CompressedCache } from './compressed-cache.js';
import { ACCEPTS_BR, ACCEPTS_GZIP, acceptedEncodings, type Encoding } from '../encoding.js';
import { FileCache, withBody, type Cached, type MemoryFile, type Variant } from './file-cache.js';
import { pathOf, type StaticRoute } from '../routes.js';
import { SECURITY_PAIRS } from '../security-headers.js';
import { isNavigation, staticPath } from './path.js';

/** Hands a request the memory path does not answer to the @fastify/static path. */
export type Decline = (req: IncomingMessage, res: ServerResponse, route: StaticRoute) => void;

/** A request as the memory path reads it (node:http's or the hot path's). */
export interface StaticRequest {
  readonly method: string | undefined;
  readonly url: string;
  /** The value of header `name` (lower case), if sent. */
  header(name: string): string | undefined;
}

/** A complete answer from memory. */
export interface StaticAnswer {
  readonly status: number;
  readonly headers: readonly string[];
  readonly body: Buffer | undefined;
}

/** node:http's request as a {@link StaticRequest}. */
function viewOf(req: IncomingMessage): StaticRequest {
  return {
    method: req.method,
    url: req.url ?? '/',
    header: (name) => req.headers[name] as string | undefined,
  };
}

const INDEX = '/index.html';
const NOT_FOUND = Buffer.from('{"error":"not_found"}');
/** What the @fastify/static path answers for a file that does not exist (no SPA fallback). */
const NOT_FOUND_HEADERS: readonly string[] = [
  ...SECURITY_PAIRS,
  'content-type',
  'application/json; charset=utf-8',
  'content-length',
  String(NOT_FOUND.length),
];
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
function notModified(req: StaticRequest, v: Variant): boolean {
  const cacheControl = req.header('cache-control');
  if (cacheControl !== undefined && cacheControl.includes('no-cache')) return false;
  const inm = req.header('if-none-match');
  if (inm !== undefined) return etagMatches(inm, v.etag);
  const ims = req.header('if-modified-since');
  return ims !== undefined && v.modifiedMs <= Date.parse(ims);
}

/**
 * The path a GET/HEAD without ranges or preconditions asks for on `route`, or null when the
 * memory path leaves the request to @fastify/static (which also hides dotfiles).
 */
function servedPath(req: StaticRequest, route: StaticRoute): string | null {
  const method = req.method;
  if (method !== 'GET' && method !== 'HEAD') return null;
  if (req.header('range') !== undefined || req.header('if-match') !== undefined) return null;
  if (req.header('if-unmodified-since') !== undefined) return null;
  const path = staticPath(pathOf(req.url), route.path);
  return path === null || path.includes('/.') ? null : path;
}

/** The file a path names (a directory's index.html). */
const relOf = (path: string): string =>
  path.charCodeAt(path.length - 1) === 47 ? `${path}index.html` : path;

/** True when a miss on `path` gets the SPA's index.html instead. */
const spaFallback = (req: StaticRequest, route: StaticRoute, path: string): boolean =>
  route.spa && !path.startsWith('/assets/') && isNavigation(req.header('accept'), path);

/** The 404 for a file that does not exist. */
function notFound(req: StaticRequest): StaticAnswer {
  return {
    status: 404,
    headers: NOT_FOUND_HEADERS,
    body: req.method === 'HEAD' ? undefined : NOT_FOUND,
  };
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
    const path = servedPath(viewOf(req), route);
    if (path === null) {
      this.decline(req, res, route);
      return;
    }
    const rel = relOf(path);
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

  /**
   * The answer to `req` on `route`: now when memory holds it, a promise when the file is being
   * read or compressed (it settles to undefined when memory will not serve it after all), or
   * undefined when memory does not serve such a request: the hot path then leaves it to
   * node:http.
   */
  answerFor(
    req: StaticRequest,
    route: StaticRoute,
    files: FileCache,
    compress: boolean,
  ): StaticAnswer | Promise<StaticAnswer | undefined> | undefined {
    const path = servedPath(req, route);
    if (path === null) return undefined;
    const now = Date.now();
    const c = files.peek(relOf(path), now);
    if (c?.kind === 'file')
      return this.pick(req, c, compress) ?? this.later(req, route, path, files, compress);
    if (c === undefined) return this.later(req, route, path, files, compress);
    if (c.kind !== 'missing') return undefined;
    if (!spaFallback(req, route, path)) return notFound(req);
    const index = files.peek(INDEX, now);
    if (index === undefined) return this.later(req, route, path, files, compress);
    return index.kind === 'file' ? this.pick(req, index, compress) : undefined;
  }

  /** {@link answerFor} once the file is read and its compressed copy made. */
  private async later(
    req: StaticRequest,
    route: StaticRoute,
    path: string,
    files: FileCache,
    compress: boolean,
  ): Promise<StaticAnswer | undefined> {
    let c = await files.get(relOf(path));
    if (c.kind === 'missing') {
      if (!spaFallback(req, route, path)) return notFound(req);
      c = await files.get(INDEX);
    }
    if (c.kind !== 'file') return undefined;
    const now = this.pick(req, c, compress);
    if (now !== undefined) return now;
    await this.compressed.fill(c.abs, c.identity.etag);
    return this.pick(req, c, compress);
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
    if (c.kind === 'missing' && spaFallback(viewOf(req), route, path)) {
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
    const answer = this.pick(viewOf(req), f, compress);
    if (answer === undefined) this.decline(req, res, route);
    else this.write(res, answer);
  }

  /** The answer for `f` (the variant the client accepts, or 304), or undefined to decline. */
  private pick(req: StaticRequest, f: MemoryFile, compress: boolean): StaticAnswer | undefined {
    const accepted = acceptedEncodings(req.header('accept-encoding'));
    let v = f.identity;
    if (accepted !== 0) {
      if ((accepted & ACCEPTS_BR) !== 0 && f.br !== null) v = f.br;
      else if ((accepted & ACCEPTS_GZIP) !== 0 && f.gzip !== null) v = f.gzip;
      else if (compress && f.compressible) {
        const made = this.made(f, (accepted & ACCEPTS_BR) !== 0 ? 'br' : 'gzip');
        // Not compressed yet: the @fastify/static path compresses this one on the fly.
        if (made === undefined) return undefined;
        v = made;
      }
    }
    const conditional =
      req.header('if-none-match') !== undefined || req.header('if-modified-since') !== undefined;
    if (conditional && notModified(req, v)) {
      return { status: 304, headers: v.notModified, body: undefined };
    }
    return { status: 200, headers: v.ok, body: req.method === 'HEAD' ? undefined : v.body };
  }

  /** The compressed copy of `f` in `encoding` with its headers, or undefined (now being made). */
  private made(f: MemoryFile, encoding: Encoding): Variant | undefined {
    const tag = f.identity.etag;
    const body = this.compressed.get(f.abs, tag, encoding);
    if (body === undefined) {
      void this.compressed.fill(f.abs, tag);
      return undefined;
    }
    const known = f.made[encoding];
    if (known !== undefined && known.body === body) return known;
    const v = withBody(f.identity, body, encoding);
    f.made[encoding] = v;
    return v;
  }

  private write(res: ServerResponse, a: StaticAnswer): void {
    const all = this.closing() ? [...a.headers, 'connection', 'close'] : a.headers;
    res.writeHead(a.status, all as string[]);
    res.end(a.body);
  }
}
