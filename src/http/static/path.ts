// The path rules the two static paths share (memory and the fastify fallback): which file a
// request path names below its route, and whether a request is a page navigation (SPA).

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
