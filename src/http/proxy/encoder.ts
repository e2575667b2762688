// Compression of proxied responses, for both paths (node:http's fallback/exchange.ts and the hot path's
// respond.ts): which responses are compressed and how their heads change, and the one set
// of zlib settings (brotli at quality 4 for text, gzip at zlib's default level), as a stream or
// in one call for a whole body.
import type { Transform } from 'node:stream';
import {
  brotliCompressSync,
  constants as z,
  createBrotliCompress,
  createGzip,
  gzipSync,
} from 'node:zlib';
import { isCompressible, negotiateEncoding, type Encoding } from '../encoding.js';
import { addVary, markEncoded, type ForwardHead } from './response-headers.js';

/** Smallest body (by Content-Length) worth compressing. */
const MIN_COMPRESS_BYTES = 1024;

const BROTLI = {
  params: { [z.BROTLI_PARAM_QUALITY]: 4, [z.BROTLI_PARAM_MODE]: z.BROTLI_MODE_TEXT },
};

/**
 * The encoding an upstream response with `head` is compressed with for a `method` request whose
 * Accept-Encoding is `accept` (its head marked encoded), or null when it stays plain (given a
 * Vary when it could have been compressed for another client).
 */
export function responseEncoding(
  method: string | undefined,
  status: number,
  head: ForwardHead,
  accept: string | undefined,
): Encoding | null {
  if (head.contentEncoding !== undefined || head.noTransform || !isCompressible(head.contentType)) {
    return null;
  }
  const encoding = negotiateEncoding(accept);
  const small = head.contentLength !== undefined && Number(head.contentLength) < MIN_COMPRESS_BYTES;
  if (encoding && !small && method !== 'HEAD' && status !== 204 && status !== 304) {
    markEncoded(head, encoding);
    return encoding;
  }
  addVary(head);
  return null;
}

/** A compressor stream for `encoding`. */
export function createEncoder(encoding: Encoding): Transform {
  return encoding === 'br' ? createBrotliCompress(BROTLI) : createGzip();
}

/** `body`, a whole response body, compressed with `encoding` at once (same settings). */
export function encodeWhole(encoding: Encoding, body: Buffer): Buffer {
  return encoding === 'br' ? brotliCompressSync(body, BROTLI) : gzipSync(body);
}
