// Compressed copies of static files kept in memory, so that a text asset without a
// precompressed sibling is compressed once (in the background, off the event loop) rather than
// on every request. Bounded in entry size and total bytes; least recently used goes first.
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { brotliCompress, constants as z, gzip } from 'node:zlib';
import type { Encoding } from '../encoding.js';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

interface Entry {
  /** The validator the copies were made for (the file's ETag): a changed file misses. */
  readonly tag: string;
  readonly br: Buffer;
  readonly gzip: Buffer;
}

/**
 * Brotli settings for a file of `size` bytes: a window no larger than the file, and quality 9
 * while that window is at most 64 KiB. Above that brotli's quality 7-9 search keeps a 2^23-entry
 * hash table (32 MiB, all of it touched by a few hundred KiB of input, and kept by malloc once
 * freed); quality 6 needs 4 MiB, runs 4-5x faster and was 2-3% larger on three minified JS
 * bundles of 320-500 KiB.
 */
function brotliParams(size: number): Record<number, number> {
  const lgwin = Math.min(22, Math.max(10, Math.ceil(Math.log2(Math.max(size, 1)))));
  return {
    [z.BROTLI_PARAM_QUALITY]: lgwin <= 16 ? 9 : 6,
    [z.BROTLI_PARAM_LGWIN]: lgwin,
    [z.BROTLI_PARAM_MODE]: z.BROTLI_MODE_TEXT,
    [z.BROTLI_PARAM_SIZE_HINT]: size,
  };
}

/** Limits of a {@link CompressedCache}. */
export interface CompressedCacheOptions {
  /** Files larger than this are never cached. */
  readonly maxFileBytes?: number;
  /** Total compressed bytes kept. */
  readonly maxTotalBytes?: number;
}

/** In-memory compressed copies of static files, keyed by absolute path and validator. */
export class CompressedCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<void>>();
  private total = 0;
  readonly maxFileBytes: number;
  private readonly maxTotalBytes: number;

  constructor(opts: CompressedCacheOptions = {}) {
    this.maxFileBytes = opts.maxFileBytes ?? 1024 * 1024;
    this.maxTotalBytes = opts.maxTotalBytes ?? 32 * 1024 * 1024;
  }

  /** The compressed copy of `path` for validator `tag`, if cached. */
  get(path: string, tag: string, encoding: Encoding): Buffer | undefined {
    const entry = this.entries.get(path);
    if (!entry || entry.tag !== tag) return undefined;
    this.entries.delete(path);
    this.entries.set(path, entry);
    return encoding === 'br' ? entry.br : entry.gzip;
  }

  /**
   * Starts compressing `path` in the background (a no-op when already under way); resolves once
   * that is over, whether the copies were kept or not.
   */
  fill(path: string, tag: string): Promise<void> {
    const key = `${path}\0${tag}`;
    let done = this.pending.get(key);
    if (done === undefined) {
      done = this.load(path, tag)
        .catch(() => undefined)
        .finally(() => this.pending.delete(key));
      this.pending.set(key, done);
    }
    return done;
  }

  /** Resolves once no background compression is under way (for tests). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await new Promise((r) => setTimeout(r, 5));
  }

  /** Drops every entry. */
  clear(): void {
    this.entries.clear();
    this.total = 0;
  }

  private async load(path: string, tag: string): Promise<void> {
    const data = await readFile(path);
    if (data.length > this.maxFileBytes) return;
    const [br, gzip] = await Promise.all([
      brotli(data, { params: brotliParams(data.length) }),
      gz(data, { level: 9 }),
    ]);
    this.remove(path);
    const bytes = br.length + gzip.length;
    if (bytes > this.maxTotalBytes) return;
    while (this.total + bytes > this.maxTotalBytes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
    this.entries.set(path, { tag, br, gzip });
    this.total += bytes;
  }

  private remove(path: string): void {
    const old = this.entries.get(path);
    if (!old) return;
    this.entries.delete(path);
    this.total -= old.br.length + old.gzip.length;
  }
}
