// Small loopback HTTP helpers for the bench: one bounded GET, and polling until URLs answer 200.
import { request } from 'node:http';

/**
 * One GET with a deadline. Never rejects: errors come back as `status: 0` with `error`.
 * @param {string} url
 * @param {{headers?: Record<string, string>, timeoutMs?: number, agent?: import('node:http').Agent | false}} [opts]
 * @returns {Promise<{status: number, headers: import('node:http').IncomingHttpHeaders, body: Buffer, error?: string}>}
 */
export function get(url, opts = {}) {
  return new Promise((resolve) => {
    let settled = false;
    const done = (value) => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    const req = request(
      url,
      { headers: opts.headers ?? {}, agent: opts.agent ?? false, timeout: opts.timeoutMs ?? 2000 },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', (err) =>
          done({ status: 0, headers: {}, body: Buffer.alloc(0), error: err.message }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) =>
      done({ status: 0, headers: {}, body: Buffer.alloc(0), error: err.message }),
    );
    req.end();
  });
}

/**
 * Polls every URL (every `intervalMs`) until each has answered 200 once; resolves with the
 * epoch ms at which the last of them first did, or rejects after `timeoutMs`.
 * @param {string[]} urls
 * @param {{timeoutMs?: number, intervalMs?: number}} [opts]
 */
export async function waitAll200(urls, { timeoutMs = 30_000, intervalMs = 10 } = {}) {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(urls);
  let last = 0;
  while (pending.size > 0) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${[...pending].join(', ')}`);
    }
    await Promise.all(
      [...pending].map(async (url) => {
        const r = await get(url, { timeoutMs: 1000 });
        if (r.status === 200) {
          pending.delete(url);
          last = Math.max(last, Date.now());
        }
      }),
    );
    if (pending.size > 0) await new Promise((r) => setTimeout(r, intervalMs));
  }
  return last;
}
