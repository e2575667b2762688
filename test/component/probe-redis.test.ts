import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProbe } from '../../src/probes/index.js';
import { probeConfig } from '../fixtures/probes/config.js';
import {
  startLoadingRedis,
  startRedis,
  selfSignedCert,
  startTlsRedis,
  type RealServer,
} from '../fixtures/probes/servers.js';
import { freePort } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const PASSWORD = 's3cr3t-Pa55';

const redis = (target: string, timeoutMs = 1000) =>
  runProbe(probeConfig({ kind: 'redis', target, timeoutMs }), process);

describe('redis probe', () => {
  let open: RealServer;
  let guarded: RealServer;
  beforeAll(async () => {
    [open, guarded] = await Promise.all([startRedis(), startRedis(PASSWORD)]);
  });
  afterAll(async () => {
    await Promise.all([open?.stop(), guarded?.stop()]);
  });

  it('passes when PING answers PONG', async () => {
    const outcome = await redis(`redis://127.0.0.1:${open.port}`);
    expect(outcome).toMatchObject({ ok: true });
    expect(outcome.latencyMs).toBeLessThan(1000);
  });

  it('leaves no socket behind after many checks', async () => {
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap');
    const before = sockets().length;
    const target = `redis://127.0.0.1:${open.port}`;
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => redis(target)));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    await waitFor(() => sockets().length <= before, { what: 'probe sockets to close' });
  });

  it('passes with the right password in the URL', async () => {
    expect(await redis(`redis://:${PASSWORD}@127.0.0.1:${guarded.port}/0`)).toMatchObject({
      ok: true,
    });
  });

  it('fails with a wrong password without revealing it', async () => {
    const wrong = 'wr0ng-Pa55';
    const outcome = await redis(`redis://:${wrong}@127.0.0.1:${guarded.port}/0`);
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/WRONGPASS|invalid password/i);
    expect(outcome.error).not.toContain(wrong);
  });

  it('fails without a password when one is required', async () => {
    const outcome = await redis(`redis://127.0.0.1:${guarded.port}`);
    expect(outcome).toMatchObject({ ok: false });
    expect(outcome.error).toMatch(/NOAUTH/);
  });

  it('passes when the URL has a password the server does not ask for', async () => {
    expect(await redis(`redis://:${PASSWORD}@127.0.0.1:${open.port}`)).toMatchObject({ ok: true });
  });

  it('speaks TLS for rediss:// and refuses a certificate it cannot verify', async () => {
    const tls = await startTlsRedis();
    try {
      const outcome = await redis(`rediss://:${PASSWORD}@127.0.0.1:${tls.port}`);
      expect(outcome).toMatchObject({ ok: false, error: 'self-signed certificate' });
      const plain = await redis(`redis://127.0.0.1:${tls.port}`);
      expect(plain).toMatchObject({ ok: false });
      expect(plain.error).not.toContain(PASSWORD);
    } finally {
      await tls.stop();
    }
  });

  it('names a host to TLS (SNI) only when it is not an IP address, as RFC 6066 asks', async () => {
    // Node warns (DEP0123) on stderr when told to send an IP address as the server name.
    const certs = selfSignedCert();
    const names: string[] = [];
    let hellos = 0;
    const server = createTlsServer({
      key: readFileSync(certs.key),
      cert: readFileSync(certs.cert),
      SNICallback: (name, done) => {
        names.push(name);
        done(null);
      },
    });
    server.on('secureConnection', (socket) => {
      hellos += 1;
      socket.destroy();
    });
    server.on('tlsClientError', () => {
      hellos += 1;
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      await redis(`rediss://127.0.0.1:${port}`);
      await redis(`rediss://localhost:${port}`);
      await waitFor(() => hellos >= 2, { timeoutMs: 2000 });
      expect(names).toEqual(['localhost']);
    } finally {
      server.close();
      certs.cleanup();
    }
  });

  it('fails with "redis is loading the dataset" on a LOADING reply', async () => {
    const loading = await startLoadingRedis();
    try {
      const outcome = await redis(`redis://127.0.0.1:${loading.port}`);
      expect(outcome).toMatchObject({ ok: false, error: 'redis is loading the dataset' });
      const withAuth = await redis(`redis://:${PASSWORD}@127.0.0.1:${loading.port}`);
      expect(withAuth).toMatchObject({ ok: false, error: 'redis is loading the dataset' });
    } finally {
      await loading.stop();
    }
  });

  it('fails once the server is stopped, quickly and without the password', async () => {
    const server = await startRedis(PASSWORD);
    const target = `redis://:${PASSWORD}@127.0.0.1:${server.port}/0`;
    expect((await redis(target)).ok).toBe(true);
    await server.stop();
    const outcome = await redis(target);
    expect(outcome).toMatchObject({
      ok: false,
      error: `connect ECONNREFUSED 127.0.0.1:${server.port}`,
    });
    expect(outcome.latencyMs).toBeLessThan(1000);
  });

  it('reports a closed port like a connect error', async () => {
    const port = await freePort();
    expect(await redis(`redis://127.0.0.1:${port}`)).toMatchObject({
      ok: false,
      error: `connect ECONNREFUSED 127.0.0.1:${port}`,
    });
  });
});
