// Compressing a static asset once (brotli and gzip, in the background) must not raise the real
// apposd's peak RSS by tens of MB: brotli's quality 9 with its default 4 MiB window keeps a
// 32 MiB hash table, touched all over by a few hundred KiB of text. (Both files are small
// enough to be answered from memory: larger ones take the @fastify/static path.)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon } from '../helpers/daemon.js';
import { send } from '../helpers/http-client.js';
import { memory } from '../helpers/proc-memory.js';
import { freePort, tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const MB = 1024 * 1024;

/** `bytes` of deterministic JavaScript-like text: compressible, but not trivially. */
function scriptText(bytes: number, seed: number): string {
  const words = ['const', 'function', 'return', 'this', 'value', 'state', 'render', 'props'];
  let x = seed;
  let out = '';
  while (out.length < bytes) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out += `${words[x % words.length]}_${(x >> 8) % 4096}(${x % 97});\n`;
  }
  return out.slice(0, bytes);
}

/** VmHWM (peak resident set) of a process, in bytes. */
function peakOf(pid: number): number {
  return memory(pid).peak;
}

let web: { path: string; cleanup: () => void };
let d: Daemon;
let base: string;

beforeAll(async () => {
  web = tempDir('apposd-web-');
  writeFileSync(join(web.path, 'small.js'), scriptText(48 * 1024, 1));
  writeFileSync(join(web.path, 'large.js'), scriptText(200 * 1024, 2));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  d = Daemon.start(`
log: { format: json }
http:
  listen: 127.0.0.1:${port}
  routes:
    - path: /
      static: ${web.path}
`);
  await waitFor(async () => (await send(`${base}/small.js`)).status === 200, {
    timeoutMs: 15_000,
    what: 'the edge to answer',
  });
}, 30_000);

afterAll(async () => {
  await d?.cleanup();
  web?.cleanup();
});

describe('static compression memory', () => {
  it('compresses a 48 KiB and a 200 KiB asset with under 16 MB of peak RSS between them', async () => {
    const pid = d.proc.pid as number;
    const before = peakOf(pid);
    for (const name of ['small.js', 'large.js']) {
      const text = readFileSync(join(web.path, name), 'utf8');
      const br = await waitFor(
        async () => {
          const r = await send(`${base}/${name}`, { headers: { 'accept-encoding': 'br' } });
          return r.headers['content-encoding'] === 'br' ? r : undefined;
        },
        { timeoutMs: 10_000, what: `${name} compressed` },
      );
      expect(brotliDecompressSync(br.body).toString()).toBe(text);
      expect(br.body.length).toBeLessThan(text.length / 3);
    }
    const rise = peakOf(pid) - before;
    console.log(`apposd peak RSS rose ${(rise / MB).toFixed(1)} MB while compressing`);
    expect(rise).toBeLessThan(16 * MB);
  }, 30_000);
});
