import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runProbe } from '../../src/probes/index.js';
import { probeConfig } from '../fixtures/probes/config.js';
import { freePort } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

describe('http probe', () => {
  let server: Server;
  let base: string;
  const sockets = new Set<Socket>();
  const hanging: ServerResponse[] = [];
  let requests: { url: string; auth?: string; connection?: string }[] = [];

  beforeEach(async () => {
    requests = [];
    server = createServer((req, res) => {
      requests.push({
        url: req.url ?? '',
        auth: req.headers.authorization,
        connection: req.headers.connection,
      });
      const status = Number(/^\/status\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
      if (req.url === '/hang') return void hanging.push(res);
      if (status === 302) res.setHeader('location', '/status/500');
      res.statusCode = status || 200;
      res.end('x'.repeat(100_000));
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });

  afterEach(async () => {
    for (const res of hanging.splice(0)) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  });

  const probe = (path: string, extra: { expect?: number; timeoutMs?: number } = {}) =>
    runProbe(probeConfig({ kind: 'http', target: `${base}${path}`, ...extra }), process);

  it('passes on 200 and leaves no connection open', async () => {
    expect(await probe('/status/200')).toMatchObject({ ok: true });
    expect(requests[0]?.connection).toBe('close');
    await waitFor(() => sockets.size === 0, { what: 'the probe connection to close' });
  });

  it('passes on 302 without following the redirect', async () => {
    expect(await probe('/status/302')).toMatchObject({ ok: true });
    expect(requests.map((r) => r.url)).toEqual(['/status/302']);
  });

  it('fails on 500 with "HTTP 500"', async () => {
    expect(await probe('/status/500')).toMatchObject({ ok: false, error: 'HTTP 500' });
  });

  it('passes only on the exact expected status when expect is set', async () => {
    expect(await probe('/status/404', { expect: 404 })).toMatchObject({ ok: true });
    expect(await probe('/status/200', { expect: 204 })).toMatchObject({
      ok: false,
      error: 'HTTP 200, expected 204',
    });
  });

  it('times out on a server that never answers and closes the connection', async () => {
    const outcome = await probe('/hang', { timeoutMs: 200 });
    expect(outcome).toMatchObject({ ok: false, error: 'timed out after 200 ms' });
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(190);
    expect(outcome.latencyMs).toBeLessThan(1000);
    await waitFor(() => sockets.size === 0, { what: 'the probe connection to close' });
  });

  it('sends userinfo as basic auth but never reports it', async () => {
    const target = base.replace('http://', 'http://admin:hunter2@') + '/status/503';
    const outcome = await runProbe(probeConfig({ kind: 'http', target }), process);
    expect(outcome).toMatchObject({ ok: false, error: 'HTTP 503' });
    expect(requests[0]?.auth).toBe(`Basic ${Buffer.from('admin:hunter2').toString('base64')}`);
  });

  it('fails readably when nothing listens', async () => {
    const port = await freePort();
    const outcome = await runProbe(
      probeConfig({ kind: 'http', target: `http://user:hunter2@127.0.0.1:${port}/` }),
      process,
    );
    expect(outcome).toMatchObject({ ok: false, error: `connect ECONNREFUSED 127.0.0.1:${port}` });
  });
});
