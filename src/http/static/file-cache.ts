// Small files of one static root kept in memory with the response headers of each variant
// (the file and its precompressed .br/.gz siblings) built once, revalidated by stat at most once
// per interval, so a new build is picked up without a stat per request. Bounded in size.
import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { isCompressible } from '../encoding.js';
import { SECURITY_PAIRS } from '../security-headers.js';

/**
 * Files larger than this are streamed from disk (by @fastify/static), never kept in memory.
 * A dashboard's bundles fit: loading that path costs some 11 MB of RSS and 200 ms on its first
 * request (18 MB with its on-the-fly compression), more than a bundle kept here.
 */
export const MAX_MEMORY_FILE_BYTES = 1024 * 1024;
/** How long a cached answer (file, missing, other) is trusted before it is checked again. */
export const REVALIDATE_MS = 1000;
/** Smallest file worth a compressed copy when it has no precompressed sibling. */
export const MIN_COMPRESS_BYTES = 1024;

const YEAR_S = 365 * 24 * 3600;

/** One representation of a file: its bytes and the complete headers of a 200 and a 304. */
export interface Variant {
  readonly body: Buffer;
  readonly etag: string;
  /** Last-Modified as epoch ms (whole seconds), for If-Modified-Since. */
  readonly modifiedMs: number;
  /** Flat header list of a 200 (security headers included). */
  readonly ok: readonly string[];
  /** Flat header list of a 304 (no Content-* fields). */
  readonly notModified: readonly string[];
}

/** A small regular file, in memory. */
export interface MemoryFile {
  readonly kind: 'file';
  readonly abs: string;
  readonly contentType: string;
  readonly identity: Variant;
  readonly br: Variant | null;
  readonly gzip: Variant | null;
  /** A text type of at least MIN_COMPRESS_BYTES: worth a compressed copy. */
  readonly compressible: boolean;
  /** Compressed copies made in memory (no sibling on disk), with their headers; filled lazily. */
  readonly made: { br?: Variant; gzip?: Variant };
  checkedAt: number;
  readonly signature: string;
}

/** A path that does not exist, or one that memory does not serve (directory, large file...). */
export interface NotInMemory {
  readonly kind: 'missing' | 'other';
  checkedAt: number;
  readonly signature: string;
}

/** What the cache knows about a path. */
export type Cached = MemoryFile | NotInMemory;

/** Limits of a {@link FileCache}. */
export interface FileCacheOptions {
  readonly maxFileBytes?: number;
  /** Total bytes of file bodies kept. */
  readonly maxTotalBytes?: number;
  /** Paths remembered (files, missing and other). */
  readonly maxEntries?: number;
  readonly revalidateMs?: number;
}

// The very mime table @fastify/static serves with, so both paths answer the same types.
const send = createRequire(createRequire(import.meta.url).resolve('@fastify/static'))(
  '@fastify/send',
) as {
  mime: { getType(path: string): string | null };
  isUtf8MimeType(type: string): boolean;
};

/** The Content-Type @fastify/static sends for `path`. */
export function contentTypeOf(path: string): string {
  const type = send.mime.getType(path) ?? 'application/octet-stream';
  return send.isUtf8MimeType(type) ? `${type}; charset=utf-8` : type;
}

/** The Cache-Control of a static file: HTML revalidates, hashed /assets/ never do. */
export function cacheControlOf(rel: string): string {
  if (rel.endsWith('.html')) return 'no-cache';
  if (rel.startsWith('/assets/')) return `public, max-age=${YEAR_S}, immutable`;
  return 'public, max-age=0';
}

/** Builds a variant's headers; `s` is the stat of the bytes' own file (the sibling for .br). */
export function makeVariant(
  body: Buffer,
  s: Pick<Stats, 'size' | 'mtime'>,
  contentType: string,
  cacheControl: string,
  encoding: string | null,
): Variant {
  const lastModified = s.mtime.toUTCString();
  const etag = `W/"${s.size.toString(16)}-${s.mtime.getTime().toString(16)}"`;
  const validators = [
    ...SECURITY_PAIRS,
    'accept-ranges',
    'bytes',
    'cache-control',
    cacheControl,
    'last-modified',
    lastModified,
    'etag',
    etag,
  ];
  const ok = [
    ...validators,
    'content-type',
    contentType,
    'content-length',
    String(body.length),
    'vary',
    'accept-encoding',
  ];
  if (encoding !== null) ok.push('content-encoding', encoding);
  return {
    body,
    etag,
    modifiedMs: Date.parse(lastModified),
    ok,
    notModified: [...validators, 'vary', 'accept-encoding'],
  };
}

/** `v` with another body (a compressed copy of it): same validators, new length and encoding. */
export function withBody(v: Variant, body: Buffer, encoding: string): Variant {
  const ok = [...v.ok];
  const at = ok.indexOf('content-length');
  ok[at + 1] = String(body.length);
  ok.push('content-encoding', encoding);
  return { body, etag: v.etag, modifiedMs: v.modifiedMs, ok, notModified: v.notModified };
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

const signatureOf = (s: Stats | null): string =>
  s === null ? '-' : `${s.isFile() ? 'f' : 'o'}${s.ino}:${s.size}:${s.mtimeMs}`;

function sizeOf(c: Cached): number {
  if (c.kind !== 'file') return 0;
  return c.identity.body.length + (c.br?.body.length ?? 0) + (c.gzip?.body.length ?? 0);
}

/** The small files below one static root, keyed by their path below it ("/assets/app.js"). */
export class FileCache {
  private readonly entries = new Map<string, Cached>();
  private readonly pending = new Map<string, Promise<Cached>>();
  private total = 0;
  /** The root with a trailing slash: every path served starts with it. */
  private readonly base: string;
  private readonly maxFileBytes: number;
  private readonly maxTotalBytes: number;
  private readonly maxEntries: number;
  private readonly revalidateMs: number;

  /** @param root absolute directory; `rel` paths are joined below it. */
  constructor(
    readonly root: string,
    opts: FileCacheOptions = {},
  ) {
    this.base = root.endsWith('/') ? root : `${root}/`;
    this.maxFileBytes = opts.maxFileBytes ?? MAX_MEMORY_FILE_BYTES;
    this.maxTotalBytes = opts.maxTotalBytes ?? 32 * 1024 * 1024;
    this.maxEntries = opts.maxEntries ?? 4096;
    this.revalidateMs = opts.revalidateMs ?? REVALIDATE_MS;
  }

  /** What is known about `rel` when it was checked recently enough; no I/O. */
  peek(rel: string, now: number): Cached | undefined {
    const c = this.entries.get(rel);
    return c !== undefined && now - c.checkedAt < this.revalidateMs ? c : undefined;
  }

  /**
   * Checks `rel` on disk (one stat when nothing changed) and loads it when needed; concurrent
   * callers share one check. `rel` must be canonical (see staticPath) and start with "/".
   */
  get(rel: string): Promise<Cached> {
    let p = this.pending.get(rel);
    if (p === undefined) {
      p = this.refresh(rel).finally(() => this.pending.delete(rel));
      this.pending.set(rel, p);
    }
    return p;
  }

  /** Drops every entry. */
  clear(): void {
    this.entries.clear();
    this.total = 0;
  }

  private async refresh(rel: string): Promise<Cached> {
    const abs = join(this.root, rel);
    if (!abs.startsWith(this.base)) return { kind: 'other', checkedAt: 0, signature: '' };
    const old = this.entries.get(rel);
    const s = await statOrNull(abs);
    if (s === null || !this.fits(s)) {
      const signature = signatureOf(s);
      if (old !== undefined && old.signature === signature) {
        old.checkedAt = Date.now();
        return old;
      }
      return this.store(rel, { kind: s === null ? 'missing' : 'other', checkedAt: 0, signature });
    }
    const [sbr, sgz] = await Promise.all([statOrNull(`${abs}.br`), statOrNull(`${abs}.gz`)]);
    const signature = `${signatureOf(s)}|${signatureOf(sbr)}|${signatureOf(sgz)}`;
    if (old !== undefined && old.signature === signature) {
      old.checkedAt = Date.now();
      return old;
    }
    if ((sbr !== null && !this.fits(sbr)) || (sgz !== null && !this.fits(sgz))) {
      return this.store(rel, { kind: 'other', checkedAt: 0, signature });
    }
    const loaded = await this.load(rel, abs, s, sbr, sgz, signature);
    // A file that changed while it was read is not kept: the next request looks again.
    if (loaded === null) return { kind: 'other', checkedAt: 0, signature: '' };
    return this.store(rel, loaded);
  }

  private async load(
    rel: string,
    abs: string,
    s: Stats,
    sbr: Stats | null,
    sgz: Stats | null,
    signature: string,
  ): Promise<MemoryFile | null> {
    const [body, br, gz] = await Promise.all([
      readFile(abs),
      sbr === null ? null : readFile(`${abs}.br`),
      sgz === null ? null : readFile(`${abs}.gz`),
    ]);
    if (
      body.length !== s.size ||
      (br !== null && br.length !== sbr!.size) ||
      (gz !== null && gz.length !== sgz!.size)
    ) {
      return null;
    }
    const contentType = contentTypeOf(rel);
    const cacheControl = cacheControlOf(rel);
    return {
      kind: 'file',
      abs,
      contentType,
      identity: makeVariant(body, s, contentType, cacheControl, null),
      br: br === null ? null : makeVariant(br, sbr!, contentType, cacheControl, 'br'),
      gzip: gz === null ? null : makeVariant(gz, sgz!, contentType, cacheControl, 'gzip'),
      compressible: body.length >= MIN_COMPRESS_BYTES && isCompressible(contentType),
      made: {},
      checkedAt: 0,
      signature,
    };
  }

  private fits(s: Stats): boolean {
    return s.isFile() && s.size <= this.maxFileBytes;
  }

  private store(rel: string, c: Cached): Cached {
    const old = this.entries.get(rel);
    if (old !== undefined) {
      this.entries.delete(rel);
      this.total -= sizeOf(old);
    }
    const bytes = sizeOf(c);
    c.checkedAt = Date.now();
    if (bytes > this.maxTotalBytes) return c;
    while (this.entries.size >= this.maxEntries || this.total + bytes > this.maxTotalBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.total -= sizeOf(this.entries.get(oldest.value)!);
      this.entries.delete(oldest.value);
    }
    this.entries.set(rel, c);
    this.total += bytes;
    return c;
  }
}
