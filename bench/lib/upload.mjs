// One large streaming upload through the front door to the backend's POST /api/upload: the
// time from the first byte sent to the complete answer, checked by size and sha256.
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';

const CHUNK = 1024 * 1024;

/** A deterministic 1 MiB block and the sha256 of `mib` copies of it. */
export function uploadBody(mib) {
  const block = Buffer.alloc(CHUNK);
  for (let i = 0; i < block.length; i++) block[i] = (i * 7 + (i >> 10)) & 0xff;
  const hash = createHash('sha256');
  for (let i = 0; i < mib; i++) hash.update(block);
  return { block, mib, sha256: hash.digest('hex') };
}

/**
 * @param {string} url  http://host:port/api/upload
 * @param {ReturnType<typeof uploadBody>} body
 * @param {number} [timeoutMs]
 * @returns {Promise<{ms: number, ok: boolean, status: number}>}
 */
export function upload(url, body, timeoutMs = 60_000) {
  return new Promise((resolve) => {
    const total = body.mib * CHUNK;
    const t0 = performance.now();
    let settled = false;
    const done = (ok, status) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ms: performance.now() - t0, ok, status });
    };
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/octet-stream', 'content-length': total },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let ok;
          try {
            const j = JSON.parse(text);
            ok = res.statusCode === 200 && j.bytes === total && j.sha256 === body.sha256;
          } catch {
            ok = false;
          }
          done(ok, res.statusCode ?? 0);
        });
        res.on('error', () => done(false, res.statusCode ?? 0));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      done(false, 0);
    }, timeoutMs);
    req.on('error', () => done(false, 0));
    let sent = 0;
    const pump = () => {
      while (sent < body.mib) {
        sent++;
        if (sent === body.mib) {
          req.end(body.block);
          return;
        }
        if (!req.write(body.block)) {
          req.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}
