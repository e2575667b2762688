// The edge reports how each exchange with a program's upstream ended (ok, timeout, reset,
// refused) to the supervisor, once per request, with the route's unhealthy_after. Real
// sockets; the supervisor is a fake at its api seam.
import { createServer as createHttp } from 'node:http';
import { createServer as createNet, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSupervisor } from '../helpers/fake-supervisor.js';
import { httpConfig, startEdge, type TestEdge } from '../helpers/http-edge.js';
import { freePort } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

let edge: TestEdge | undefined;
const servers: Server[] = [];
afterEach(async () => {
  await edge?.close();
  edge = undefined;
  for (const s of servers.splice(0)) s.close();
});

/** A raw upstream that does `onSocket` with each connection. */
async function rawUpstream(onSocket: (s: Socket) => void): Promise<number> {
  const server = createNet((s) => {
    s.on('error', () => undefined);
    onSocket(s);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

async function edgeFor(port: number, unhealthyAfter?: number): Promise<TestEdge> {
  const supervisor = new FakeSupervisor([{ name: 'backend' }]);
  const route = {
    path: '/api',
    upstream: `http://127.0.0.1:${port}`,
    program: 'backend',
    ...(unhealthyAfter === undefined ? {} : { unhealthyAfter }),
  };
  edge = await startEdge(httpConfig([route]), supervisor, {
    idleTimeoutMs: 500,
    headersTimeoutMs: 200,
  });
  return edge;
}

const get = async (e: TestEdge, path = '/api/x'): Promise<number> =>
  (await fetch(e.base + path)).status;

describe('upstream evidence', () => {
  it('an upstream that accepts and never answers is reported as a timeout', async () => {
    const e = await edgeFor(await rawUpstream(() => undefined), 3);
    expect(await get(e)).toBe(504);
    expect(await get(e)).toBe(504);
    await waitFor(() => e.supervisor.upstreamReports.length === 2);
    expect(e.supervisor.upstreamReports).toEqual([
      { program: 'backend', outcome: 'timeout', failAfter: 3 },
      { program: 'backend', outcome: 'timeout', failAfter: 3 },
    ]);
  });

  it('a reset (POST, not retried) and a refusal say so; an answer is ok; the default N is 5', async () => {
    const reset = await rawUpstream((s) => s.once('data', () => s.resetAndDestroy()));
    const e = await edgeFor(reset);
    const r = await fetch(`${e.base}/api/x`, { method: 'POST', body: 'x' });
    expect(r.status).toBe(502);
    await waitFor(() => e.supervisor.upstreamReports.length === 1);
    expect(e.supervisor.upstreamReports[0]).toEqual({
      program: 'backend',
      outcome: 'reset',
      failAfter: 5,
    });
    await e.close();

    const closed = await freePort();
    const e2 = await edgeFor(closed);
    expect(await get(e2)).toBe(502);
    await waitFor(() => e2.supervisor.upstreamReports.length === 1);
    expect(e2.supervisor.upstreamReports[0]?.outcome).toBe('refused');
    await e2.close();

    const ok = createHttp((_req, res) => res.writeHead(500).end('boom'));
    servers.push(ok);
    await new Promise<void>((res) => ok.listen(0, '127.0.0.1', res));
    const e3 = await edgeFor((ok.address() as { port: number }).port);
    expect(await get(e3)).toBe(500);
    await waitFor(() => e3.supervisor.upstreamReports.length === 1);
    expect(e3.supervisor.upstreamReports[0]?.outcome).toBe('ok');
  });

  it('a request that never reached the upstream (program not up) reports nothing', async () => {
    const e = await edgeFor(await rawUpstream(() => undefined));
    e.supervisor.set('backend', { state: 'BACKOFF', ready: false });
    expect(await get(e)).toBe(503);
    await new Promise((r) => setImmediate(r));
    expect(e.supervisor.upstreamReports).toEqual([]);
  });
});
