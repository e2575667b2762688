// The pocketbase probe's request, seen by a real server: the path the SDK's health.check()
// asked for under any base path, no credentials sent; and the https path of the http probe.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { runProbe } from '../../src/probes/index.js';
import { healthUrl } from '../../src/probes/pocketbase.js';
import { probeConfig } from '../fixtures/probes/config.js';
import { selfSignedCert } from '../fixtures/probes/servers.js';

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => {
      s.closeAllConnections();
      return new Promise<void>((done) => s.close(() => done()));
    }),
  );
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const addr = server.address();
  return typeof addr === 'object' && addr ? addr.port : 0;
}

describe('healthUrl', () => {
  it('joins /api/health like the SDK, without userinfo, query or hash', () => {
    expect(healthUrl('http://127.0.0.1:8090')).toBe('http://127.0.0.1:8090/api/health');
    expect(healthUrl('http://127.0.0.1:8090/')).toBe('http://127.0.0.1:8090/api/health');
    expect(healthUrl('http://u:p@h:1/pb?x=1#y')).toBe('http://h:1/pb/api/health');
    expect(healthUrl('https://h/pb/')).toBe('https://h/pb/api/health');
  });
});

describe('pocketbase probe (recording server)', () => {
  it('GETs <base>/api/health with no credentials and passes below 400', async () => {
    const seen: { method?: string; url?: string; headers: IncomingHttpHeaders }[] = [];
    const port = await listen(
      createServer((req, res) => {
        seen.push({ method: req.method, url: req.url, headers: req.headers });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"code":200,"message":"API is healthy.","data":{}}');
      }),
    );
    const outcome = await runProbe(
      probeConfig({ kind: 'pocketbase', target: `http://admin:hunter2@127.0.0.1:${port}/pb/` }),
      process,
    );
    expect(outcome).toMatchObject({ ok: true });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/pb/api/health' });
    expect(seen[0]?.headers.authorization).toBeUndefined();
  });
});

describe('http probe over https', () => {
  it('speaks TLS and refuses a certificate it cannot verify', async () => {
    const tls = selfSignedCert();
    try {
      const server = createTlsServer(
        { key: readFileSync(tls.key), cert: readFileSync(tls.cert) },
        (_req, res) => res.end('ok'),
      );
      const port = await listen(server);
      const outcome = await runProbe(
        probeConfig({ kind: 'http', target: `https://127.0.0.1:${port}/` }),
        process,
      );
      expect(outcome).toMatchObject({ ok: false, error: 'self-signed certificate' });
    } finally {
      tls.cleanup();
    }
  });
});
