// A 1 GiB upload streamed through /api by the edge running in a process of its own: it
// arrives intact (byte count and SHA-256) while the edge's peak RSS stays under 150 MB.
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHarness, startHarness, type HarnessEdge } from '../helpers/http-harness.js';
import { httpConfig } from '../helpers/http-edge.js';
import { startBackend, type Upstream } from '../helpers/http-upstreams.js';

const GIB = 1024 * 1024 * 1024;
const CHUNK = 1024 * 1024;
const MB = 1000 * 1000;

let backend: Upstream;
let edge: HarnessEdge;

beforeAll(async () => {
  const entry = buildHarness();
  backend = await startBackend();
  edge = await startHarness(
    entry,
    httpConfig([{ path: '/api', upstream: backend.url, program: 'backend' }], {
      maxBody: 2 * GIB,
      accessLog: false,
    }),
    [{ name: 'backend' }],
  );
}, 180_000);

afterAll(async () => {
  await edge?.stop();
  await backend?.stop();
});

function upload(
  port: number,
  total: number,
  onChunk: () => void,
): Promise<{ sent: string; reply: string }> {
  const base = randomBytes(CHUNK);
  const hash = createHash('sha256');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/upload',
        agent: false,
        headers: { 'content-type': 'application/octet-stream', 'content-length': total },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ sent: hash.digest('hex'), reply: Buffer.concat(chunks).toString() }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    let i = 0;
    const pump = (): void => {
      while (i * CHUNK < total) {
        const chunk = Buffer.from(base);
        chunk.writeUInt32BE(i, 0);
        hash.update(chunk);
        i++;
        onChunk();
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

describe('large uploads', () => {
  it('streams 1 GiB through /api intact with the edge under 150 MB RSS', async () => {
    const before = edge.memory();
    let maxRss = before.rss;
    let chunks = 0;
    const { sent, reply } = await upload(edge.port, GIB, () => {
      if (++chunks % 32 === 0) maxRss = Math.max(maxRss, edge.memory().rss);
    });
    const after = edge.memory();
    expect(JSON.parse(reply)).toEqual({ bytes: GIB, sha256: sent });
    console.log(
      `edge RSS before ${(before.rss / MB).toFixed(1)} MB, max sampled ${(maxRss / MB).toFixed(1)} MB, peak ${(after.peak / MB).toFixed(1)} MB`,
    );
    expect(after.peak).toBeLessThan(150 * MB);
  }, 180_000);
});
