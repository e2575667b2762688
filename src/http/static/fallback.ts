// The rare static path (static/fastify.ts: fastify with @fastify/static and @fastify/compress, some
// 20 MB of resident memory and a few hundred ms to load) is loaded by the first request that
// needs it (a miss, a large file, a range, a 404), not with the listener: a request of a
// running config may never do. That request waits for the load, then is answered as usual.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { sendJson } from '../proxy/error-responses.js';
import { pathOf } from '../routes.js';
import type { StaticFallback, StaticFallbackOptions } from './fastify.js';

/** The static fallback of `server`, loaded on its first request. */
export function lazyStaticFallback(server: Server, opts: StaticFallbackOptions): StaticFallback {
  let loading: Promise<StaticFallback> | undefined;
  const load = (): Promise<StaticFallback> =>
    (loading ??= import('./fastify.js').then((m) => m.createStaticFallback(server, opts)));
  return {
    handle(req: IncomingMessage, res: ServerResponse) {
      load().then(
        (fallback) => fallback.handle(req, res),
        (err: unknown) => {
          opts.log.error({ path: pathOf(req.url ?? '/'), err: String(err) }, 'http error');
          sendJson(res, 500, '{"error":"internal"}');
        },
      );
    },
    async close() {
      const fallback = await loading?.catch(() => undefined);
      await fallback?.close();
    },
  };
}
