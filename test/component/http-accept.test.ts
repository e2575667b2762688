// The public listener's accepted sockets read through a callback (wire/accept.ts): reads reach
// the hot connection's sink with no 'data' listener, a socket given back to its Readable
// streams with backpressure and ends as net's own, and the server still counts its
// connections (server.close() completes).
import { createHash, randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptWithReadCallback, readFrom, stopReading } from '../../src/http/wire/accept.js';
import { waitFor } from '../helpers/wait-for.js';

const servers: Server[] = [];
const clients: Socket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(
    servers
      .splice(0)
      .map((s) => new Promise<void>((r) => (s.listening ? s.close(() => r()) : r()))),
  );
});

/** A listening server whose accepted sockets go to `onSocket`; `hook` installs the callback. */
async function listen(
  onSocket: (s: Socket) => void,
  { hook = true, maxConnections }: { hook?: boolean; maxConnections?: number } = {},
): Promise<{ server: Server; port: number; hooked: boolean }> {
  const server = createServer(onSocket);
  if (maxConnections !== undefined) server.maxConnections = maxConnections;
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const hooked = hook && acceptWithReadCallback(server);
  return { server, port: (server.address() as AddressInfo).port, hooked };
}

async function client(port: number): Promise<Socket> {
  const c = connect(port, '127.0.0.1');
  clients.push(c);
  await new Promise<void>((r, j) => c.once('connect', r).once('error', j));
  return c;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('accepted sockets read through a callback', () => {
  it('deliver every read to the sink, with no data listener', async () => {
    const got: Buffer[] = [];
    let accepted: Socket | undefined;
    const { port, hooked } = await listen((s) => {
      accepted = s;
      readFrom(s, (chunk) => got.push(chunk));
    });
    expect(hooked).toBe(true);
    const c = await client(port);
    const sent = randomBytes(300 * 1024);
    c.write(sent);
    await waitFor(() => Buffer.concat(got).length === sent.length, { what: 'all bytes' });
    // Kept as given, over several reads: a chunk that shared memory with a later read would
    // have been overwritten by it.
    expect(got.length).toBeGreaterThan(1);
    expect(sha(Buffer.concat(got))).toBe(sha(sent));
    expect(accepted!.listenerCount('data')).toBe(0);
  });

  it(
    'give the socket back to its Readable: data events, backpressure, end',
    { timeout: 20_000 },
    async () => {
      let accepted: Socket | undefined;
      const first: Buffer[] = [];
      const sink = (chunk: Buffer): void => {
        first.push(chunk);
      };
      const { port } = await listen((s) => {
        accepted = s;
        readFrom(s, sink);
      });
      const c = await client(port);
      c.write('hello');
      await waitFor(() => first.length > 0);
      const s = accepted!;
      // No consumer yet, and none paused it: the Readable's own limit must stop the reads.
      stopReading(s, sink);
      // 64 MiB: the socket stops reading once its Readable is full, and what it has not read
      // stays with the kernel and the client.
      const body = randomBytes(64 * 1024 * 1024);
      c.write(body);
      c.end();
      await waitFor(
        async () => {
          const before = s.bytesRead;
          await new Promise((r) => setTimeout(r, 50));
          return before > 0 && s.bytesRead === before;
        },
        { what: 'reading to stop' },
      );
      expect(s.bytesRead).toBeLessThan(32 * 1024 * 1024);
      const rest: Buffer[] = [];
      let ended = false;
      s.on('data', (chunk: Buffer) => rest.push(chunk));
      s.on('end', () => (ended = true));
      s.resume();
      await waitFor(() => ended, { what: "the socket's end" });
      expect(Buffer.concat(first).toString()).toBe('hello');
      expect(sha(Buffer.concat(rest))).toBe(sha(body));
    },
  );

  it('keep the server counting its connections: close() completes once they closed', async () => {
    const accepted: Socket[] = [];
    const { server, port } = await listen((s) => {
      accepted.push(s);
      readFrom(s, () => {});
    });
    const c = await client(port);
    await waitFor(() => accepted.length === 1);
    const count = await new Promise<number>((r, j) =>
      server.getConnections((err, n) => (err ? j(err) : r(n))),
    );
    expect(count).toBe(1);
    let closed = false;
    server.close(() => (closed = true));
    c.destroy();
    await waitFor(() => closed, { what: 'server.close() to complete' });
  });

  it('are announced to tracing tools as net.Server announces its own', async () => {
    const announced: unknown[] = [];
    const onSocket = (message: unknown): void => {
      announced.push((message as { socket: unknown }).socket);
    };
    subscribe('net.server.socket', onSocket);
    try {
      let accepted: Socket | undefined;
      const { port } = await listen((s) => {
        accepted = s;
        readFrom(s, () => {});
      });
      await client(port);
      await waitFor(() => accepted !== undefined);
      expect(announced).toContain(accepted);
    } finally {
      unsubscribe('net.server.socket', onSocket);
    }
  });

  it("leave net's own sockets (the server's maxConnections) to their data events", async () => {
    const got: Buffer[] = [];
    let accepted: Socket | undefined;
    const { port } = await listen(
      (s) => {
        accepted = s;
        readFrom(s, (chunk) => got.push(chunk));
      },
      { maxConnections: 10 },
    );
    const c = await client(port);
    c.write('abc');
    await waitFor(() => Buffer.concat(got).toString() === 'abc');
    expect(accepted!.listenerCount('data')).toBe(1);
  });
});
