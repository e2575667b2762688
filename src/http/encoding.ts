// Content negotiation for compressed responses: which encodings a client accepts (memoized per
// distinct Accept-Encoding value) and which media types are worth compressing.

/** The encodings apposd produces, best first. */
export type Encoding = 'br' | 'gzip';

/** Bit of {@link acceptedEncodings}: the client takes brotli. */
export const ACCEPTS_BR = 1;
/** Bit of {@link acceptedEncodings}: the client takes gzip (or anything, "*"). */
export const ACCEPTS_GZIP = 2;

const MAX_MEMO = 256;
const memo = new Map<string, number>();

function parse(header: string): number {
  let mask = 0;
  for (const part of header.split(',')) {
    const [rawName, ...params] = part.split(';');
    const name = rawName!.trim().toLowerCase();
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=');
      if (k?.trim().toLowerCase() === 'q' && v !== undefined) q = Number(v.trim());
    }
    if (!(q > 0)) continue;
    if (name === 'br') mask |= ACCEPTS_BR;
    else if (name === 'gzip' || name === 'x-gzip' || name === '*') mask |= ACCEPTS_GZIP;
  }
  return mask;
}

/**
 * The encodings a client sending `header` as Accept-Encoding takes, as a mask of
 * {@link ACCEPTS_BR} and {@link ACCEPTS_GZIP} (memoized per distinct header value).
 */
export function acceptedEncodings(header: string | undefined): number {
  if (header === undefined || header.length === 0) return 0;
  const known = memo.get(header);
  if (known !== undefined) return known;
  const mask = parse(header);
  if (memo.size >= MAX_MEMO) memo.clear();
  memo.set(header, mask);
  return mask;
}

/** The encoding to use for a client sending `header` as Accept-Encoding, or null for none. */
export function negotiateEncoding(header: string | undefined): Encoding | null {
  const mask = acceptedEncodings(header);
  if ((mask & ACCEPTS_BR) !== 0) return 'br';
  return mask === 0 ? null : 'gzip';
}

const COMPRESSIBLE =
  /^(?:text\/(?!event-stream)|application\/(?:json|javascript|ecmascript|xml|x-javascript|manifest\+json|ld\+json|problem\+json|[\w.+-]*\+(?:json|xml))|image\/svg\+xml)/i;

/** True for text-like media types worth compressing; never for event streams. */
export function isCompressible(contentType: string | undefined): boolean {
  return contentType !== undefined && COMPRESSIBLE.test(contentType);
}

/** True for `text/event-stream` (server-sent events): streamed as is, without idle timeout. */
export function isEventStream(contentType: string | undefined): boolean {
  return (
    contentType !== undefined &&
    contentType.length >= 17 &&
    contentType.slice(0, 17).toLowerCase() === 'text/event-stream'
  );
}
