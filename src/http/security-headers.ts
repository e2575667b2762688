// The headers every response of the public listener carries (proxied, static, errors), in the
// shapes the different writers need: pairs for setHeader, one flat list for raw heads.

/** Header name/value pairs added to every response unless the upstream already set them. */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['Referrer-Policy', 'strict-origin-when-cross-origin'],
];

/** The same headers as one flat name, value, ... list, as raw heads (wire/head-lines.ts) take. */
export const SECURITY_PAIRS: readonly string[] = SECURITY_HEADERS.flat();

/** Response headers that must never leave apposd: they name the software behind it. */
export const SERVER_TOKEN_HEADERS: ReadonlySet<string> = new Set(['server', 'x-powered-by']);

/** Sets the security headers on a response that has not been written yet. */
export function setSecurityHeaders(res: { setHeader(name: string, value: string): unknown }): void {
  for (const [k, v] of SECURITY_HEADERS) res.setHeader(k, v);
}
