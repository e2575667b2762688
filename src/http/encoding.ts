// Content negotiation for compressing proxied responses: which encoding a client accepts
// (memoized per distinct Accept-Encoding value) and which media types are worth compressing.

/** The encodings apposd produces, best first. */
export type Encoding = 'br' | 'gzip';

const MAX_MEMO = 256;
const memo = new Map<string, Encoding | null>();

function parse(header: string): Encoding | null {
  let br = false;
  let gzip = false;
  let star = false;
  for (const part of header.split(',')) {
    const [rawName, ...params] = part.split(';');
    const name = rawName!.trim().toLowerCase();
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=');
      if (k?.trim().toLowerCase() === 'q' && v !== undefined) q = Number(v.trim());
    }
    if (!(q > 0)) continue;
    if (name === 'br') br = true;
    else if (name === 'gzip' || name === 'x-gzip') gzip = true;
    else if (name === '*') star = true;
  }
  if (br) return 'br';
  if (gzip || star) return 'gzip';
  return null;
}

/** The encoding to use for a client sending `header` as Accept-Encoding, or null for none. */
export function negotiateEncoding(header: string | undefined): Encoding | null {
  if (header === undefined || header.length === 0) return null;
  const known = memo.get(header);
  if (known !== undefined) return known;
  const picked = parse(header);
  if (memo.size >= MAX_MEMO) memo.clear();
  memo.set(header, picked);
  return picked;
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
