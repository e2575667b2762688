import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runProbe } from '../../src/probes/index.js';
import { parseHostPort } from '../../src/probes/tcp.js';
import { probeConfig } from '../fixtures/probes/config.js';
import { freePort } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

describe('tcp probe', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    server = undefined;
  });

  async function listen(host: string): Promise<{ port: number; open: () => number }> {
    let connections = 0;
    server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.on('close', () => (connections -= 1));
      connections += 1;
    });
    await new Promise<void>((done) => server?.listen(0, host, done));
    const addr = server.address();
    return { port: typeof addr === 'object' && addr ? addr.port : 0, open: () => connections };
  }

  it('passes against a listening socket and closes its connection', async () => {
    const { port, open } = await listen('127.0.0.1');
    const outcome = await runProbe(
      probeConfig({ kind: 'tcp', target: `127.0.0.1:${port}` }),
      process,
    );
    expect(outcome).toMatchObject({ ok: true });
    expect(outcome.error).toBeUndefined();
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(0);
    await waitFor(() => open() === 0, { what: 'the probe connection to close' });
  });

  it('passes against an IPv6 literal', async () => {
    const { port } = await listen('::1');
    const outcome = await runProbe(probeConfig({ kind: 'tcp', target: `[::1]:${port}` }), process);
    expect(outcome.ok).toBe(true);
  });

  it('fails on a closed port with the connect error', async () => {
    const port = await freePort();
    const outcome = await runProbe(
      probeConfig({ kind: 'tcp', target: `127.0.0.1:${port}` }),
      process,
    );
    expect(outcome).toMatchObject({ ok: false, error: `connect ECONNREFUSED 127.0.0.1:${port}` });
  });

  it('rejects malformed targets readably', async () => {
    expect(() => parseHostPort('localhost')).toThrow('invalid tcp target "localhost"');
    expect(() => parseHostPort('host:99999')).toThrow('invalid tcp target');
    expect(parseHostPort('[::1]:80')).toEqual({ host: '::1', port: 80 });
    const outcome = await runProbe(probeConfig({ kind: 'tcp', target: 'nope' }), process);
    expect(outcome.error).toBe('invalid tcp target "nope" (expected host:port)');
  });
});
