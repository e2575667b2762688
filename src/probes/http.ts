// The http probe: one GET without redirects or keep-alive; passes on 2xx/3xx, or exactly on
// `expect` when set. The body is never read: the response is destroyed once its status is known.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { ProbeCheck } from './types.js';

/** Whether `status` passes given the configured `expect`. */
export function statusPasses(status: number, expect?: number): boolean {
  return expect === undefined ? status >= 200 && status < 400 : status === expect;
}

/** node:http's request, or node:https's (loaded only for an https target: TLS costs ~3.5 MB). */
async function requestFor(protocol: string): Promise<typeof httpRequest> {
  if (protocol === 'http:') return httpRequest;
  if (protocol === 'https:') return (await import('node:https')).request;
  throw new Error(`unsupported protocol "${protocol}" (expected http or https)`);
}

/** GETs `cfg.target` on a fresh, closed-after-use connection. */
export const httpCheck: ProbeCheck = async (cfg, signal) => {
  const url = new URL(cfg.target);
  const request = await requestFor(url.protocol);
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
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
};
