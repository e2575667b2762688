// The http probe: one GET without redirects or keep-alive; passes on 2xx/3xx, or exactly on
// `expect` when set. The body is never read: the response is destroyed once its status is known.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ProbeCheck } from './types.js';

/** Whether `status` passes given the configured `expect`. */
export function statusPasses(status: number, expect?: number): boolean {
  return expect === undefined ? status >= 200 && status < 400 : status === expect;
}

/** GETs `cfg.target` on a fresh, closed-after-use connection. */
export const httpCheck: ProbeCheck = (cfg, signal) =>
  new Promise<void>((resolve, reject) => {
    const url = new URL(cfg.target);
    const request =
      url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : null;
    if (!request)
      throw new Error(`unsupported protocol "${url.protocol}" (expected http or https)`);
    signal.throwIfAborted();
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      if (err) reject(err);
      else resolve();
    };
    const onAbort = (): void => finish(new Error('aborted'));
    const req = request(url, {
      method: 'GET',
      agent: false,
      headers: { connection: 'close', 'user-agent': 'apposd-probe', accept: '*/*' },
    });
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => finish(err));
    req.on('response', (res: IncomingMessage) => {
      res.on('error', () => undefined);
      const status = res.statusCode ?? 0;
      res.destroy();
      if (statusPasses(status, cfg.expect)) finish();
      else
        finish(
          new Error(
            cfg.expect === undefined ? `HTTP ${status}` : `HTTP ${status}, expected ${cfg.expect}`,
          ),
        );
    });
    req.end();
  });
