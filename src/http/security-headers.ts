// The headers every response of the public listener carries (proxied, static, errors), in the
// shapes the different writers need: pairs for setHeader, raw lines for socket writes.

/** Header name/value pairs added to every response unless the upstream already set them. */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['Referrer-Policy', 'strict-origin-when-cross-origin'],
];

/** The same headers as CRLF-terminated lines, for responses written straight to a socket. */
export const SECURITY_HEADER_LINES = SECURITY_HEADERS.map(([k, v]) => `${k}: ${v}\r\n`).join('');

/** Response headers that must never leave apposd: they name the software behind it. */
export const SERVER_TOKEN_HEADERS: ReadonlySet<string> = new Set(['server', 'x-powered-by']);

/** Sets the security headers on a response that has not been written yet. */
export function setSecurityHeaders(res: { setHeader(name: string, value: string): unknown }): void {
  for (const [k, v] of SECURITY_HEADERS) res.setHeader(k, v);
}
