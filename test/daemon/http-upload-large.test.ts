// Large uploads streamed through /api of the real apposd to its supervised backend: they arrive
// intact (byte count and SHA-256); a 128 MiB one raises apposd's peak RSS by under 16 MB (the
// client reads collected as they go, http/wire/read-garbage.ts), and 1 GiB keeps it under 150 MB.
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EdgeDaemon, startEdgeDaemon } from '../helpers/edge-daemon.js';
import { memory } from '../helpers/proc-memory.js';

const GIB = 1024 * 1024 * 1024;
const CHUNK = 1024 * 1024;
const MB = 1024 * 1024;

let edge: EdgeDaemon;

beforeAll(async () => {
  edge = await startEdgeDaemon({ maxBody: '2GB', dashboard: false });
}, 60_000);

afterAll(async () => {
  await edge?.d.cleanup();
});

function upload(port: number, total: number): Promise<{ sent: string; reply: string }> {
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
  it("frees a 128 MiB upload's client reads as it goes: peak RSS rises under 16 MB", async () => {
    const pid = edge.d.proc.pid as number;
    const before = memory(pid);
    const total = 128 * MB;
    const { sent, reply } = await upload(edge.httpPort, total);
    const after = memory(pid);
    expect(JSON.parse(reply)).toEqual({ bytes: total, sha256: sent });
    const rise = after.peak - before.rss;
    console.log(
      `apposd RSS before ${(before.rss / MB).toFixed(1)} MiB, peak ${(rise / MB).toFixed(1)} MiB above it`,
    );
    expect(rise).toBeLessThan(16 * MB);
  }, 120_000);

  it('streams 1 GiB through /api intact with apposd under 150 MB RSS', async () => {
    const pid = edge.d.proc.pid as number;
    const before = memory(pid);
    const { sent, reply } = await upload(edge.httpPort, GIB);
    const after = memory(pid);
    expect(JSON.parse(reply)).toEqual({ bytes: GIB, sha256: sent });
    console.log(
      `apposd RSS before ${(before.rss / MB).toFixed(1)} MiB, after ${(after.rss / MB).toFixed(1)} MiB, peak ${(after.peak / MB).toFixed(1)} MiB`,
    );
    expect(after.peak).toBeLessThan(150 * MB);
  }, 180_000);
});
