// The pocketbase probe: the request the SDK's `health.check()` made, done by the http probe:
// GET <base>/api/health without the base's userinfo; passes below HTTP 400.
import { httpCheck } from './http.js';
import type { ProbeCheck } from './types.js';

/** `<base>/api/health`, joined like the SDK joins paths, without userinfo, query or hash. */
export function healthUrl(base: string): string {
  const url = new URL(base);
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  url.pathname = `${url.pathname}${url.pathname.endsWith('/') ? '' : '/'}api/health`;
  return url.href;
}

/** GETs `<target>/api/health` on a fresh connection. */
export const pocketbaseCheck: ProbeCheck = (cfg, signal, host) => {
  const { expect: _ignored, ...rest } = cfg;
  return httpCheck({ ...rest, target: healthUrl(cfg.target) }, signal, host);
};
