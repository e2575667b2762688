import { createServer, type Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { runProbe } from '../../src/probes/index.js';
import { probeConfig } from '../fixtures/probes/config.js';
import { startPocketBase } from '../fixtures/probes/servers.js';
import { freePort } from '../helpers/temp.js';

const pocketbase = (target: string, timeoutMs = 1000) =>
  runProbe(probeConfig({ kind: 'pocketbase', target, timeoutMs }), process);

describe('pocketbase probe', () => {
  it('passes against the real binary once up, and fails once stopped', async () => {
    const server = await startPocketBase();
    const target = `http://127.0.0.1:${server.port}`;
    try {
      const results = await Promise.all([pocketbase(target), pocketbase(`${target}/`)]);
      expect(results.map((r) => r.ok)).toEqual([true, true]);
    } finally {
      await server.stop();
    }
    const outcome = await pocketbase(target);
    expect(outcome).toMatchObject({
      ok: false,
      error: `connect ECONNREFUSED 127.0.0.1:${server.port}`,
    });
  });

  it('fails readably on a closed port and keeps userinfo out of the message', async () => {
    const port = await freePort();
    const outcome = await pocketbase(`http://admin:hunter2@127.0.0.1:${port}`);
    expect(outcome).toMatchObject({ ok: false, error: `connect ECONNREFUSED 127.0.0.1:${port}` });
  });

  it('fails with the status of an unhealthy answer, and times out on a hanging one', async () => {
    let hang = false;
    const server: Server = createServer((req, res) => {
      if (hang) return;
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"code":503,"message":"unavailable"}');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const addr = server.address();
    const target = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    try {
      expect(await pocketbase(target)).toMatchObject({ ok: false, error: 'HTTP 503' });
      hang = true;
      const outcome = await pocketbase(target, 200);
      expect(outcome).toMatchObject({ ok: false, error: 'timed out after 200 ms' });
      expect(outcome.latencyMs).toBeLessThan(1000);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    }
  });
});
