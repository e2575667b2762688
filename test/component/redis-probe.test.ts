// The redis probe against scripted RESP servers on real sockets: replies split at every byte,
// AUTH with a user name in the same write as PING, garbage, a server that hangs up or never
// answers (the socket is freed at the timeout), and redis' own replies to a wrong password.
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runProbe } from '../../src/probes/index.js';
import { probeConfig } from '../fixtures/probes/config.js';
import { waitFor } from '../helpers/wait-for.js';

interface Fake {
  port: number;
  /** Everything each connection sent, in connection order. */
  received: string[];
  connections: number;
}

const servers: Server[] = [];
const sockets = new Set<Socket>();

afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(
    servers.splice(0).map((s) => new Promise<void>((done) => s.close(() => done()))),
  );
});

/** A TCP server that calls `answer` with each connection's bytes so far. */
async function fakeRedis(answer: (sent: string, socket: Socket) => void): Promise<Fake> {
  const fake: Fake = { port: 0, received: [], connections: 0 };
  const server = createServer((socket) => {
    const index = fake.connections++;
    fake.received[index] = '';
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk) => {
      fake.received[index] += chunk.toString('utf8');
      answer(fake.received[index] ?? '', socket);
    });
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const addr = server.address();
  fake.port = typeof addr === 'object' && addr ? addr.port : 0;
  return fake;
}

/** Writes `text` one byte per write, each after the previous one was flushed. */
async function byteByByte(socket: Socket, text: string): Promise<void> {
  for (const byte of Buffer.from(text)) {
    await new Promise<void>((done) => socket.write(Buffer.from([byte]), () => done()));
  }
}

const redis = (target: string, timeoutMs = 1000) =>
  runProbe(probeConfig({ kind: 'redis', target, timeoutMs }), process);

const tcpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap');

describe('redis probe (scripted servers)', () => {
  it('passes on a PONG split at every byte, after AUTH split the same way', async () => {
    const fake = await fakeRedis((sent, socket) => {
      if (sent.endsWith('PING\r\n')) void byteByByte(socket, '+OK\r\n+PONG\r\n');
    });
    const outcome = await redis(`redis://probe:p%40ss@127.0.0.1:${fake.port}/0`);
    expect(outcome).toMatchObject({ ok: true });
    expect(fake.received).toEqual([
      '*3\r\n$4\r\nAUTH\r\n$5\r\nprobe\r\n$4\r\np@ss\r\n*1\r\n$4\r\nPING\r\n',
    ]);
  });

  it('sends PING alone without a password in the URL', async () => {
    const fake = await fakeRedis((_sent, socket) => socket.write('+PONG\r\n'));
    expect(await redis(`redis://127.0.0.1:${fake.port}`)).toMatchObject({ ok: true });
    expect(fake.received).toEqual(['*1\r\n$4\r\nPING\r\n']);
  });

  it('reports LOADING on PING as not ready, whatever AUTH said', async () => {
    const fake = await fakeRedis((sent, socket) => {
      if (sent.endsWith('PING\r\n')) socket.write('+OK\r\n-LOADING Redis is loading\r\n');
    });
    expect(await redis(`redis://:pw@127.0.0.1:${fake.port}`)).toMatchObject({
      ok: false,
      error: 'redis is loading the dataset',
    });
  });

  it('reports the AUTH error, not the NOAUTH that follows, without the password', async () => {
    const fake = await fakeRedis((sent, socket) => {
      if (!sent.endsWith('PING\r\n')) return;
      socket.write(
        '-WRONGPASS invalid username-password pair or user is disabled.\r\n' +
          '-NOAUTH Authentication required.\r\n',
      );
    });
    const outcome = await redis(`redis://:hunter22@127.0.0.1:${fake.port}`);
    expect(outcome).toEqual({
      ok: false,
      at: expect.any(Number),
      latencyMs: expect.any(Number),
      error: 'WRONGPASS invalid username-password pair or user is disabled.',
    });
  });

  it('passes when the server has no password but the URL gives one (as ioredis did)', async () => {
    const fake = await fakeRedis((sent, socket) => {
      if (!sent.endsWith('PING\r\n')) return;
      socket.write(
        '-ERR AUTH <password> called without any password configured for the default user. ' +
          'Are you sure your configuration is correct?\r\n+PONG\r\n',
      );
    });
    expect(await redis(`redis://:pw@127.0.0.1:${fake.port}`)).toMatchObject({ ok: true });
  });

  it('fails on garbage: another protocol, a bulk reply, an endless line', async () => {
    const http = await fakeRedis((_sent, socket) =>
      socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n'),
    );
    expect(await redis(`redis://127.0.0.1:${http.port}`)).toMatchObject({
      ok: false,
      error: 'unexpected reply from redis "HTTP/1.1 400 Bad Request"',
    });
    const bulk = await fakeRedis((_sent, socket) => socket.write('$4\r\nPONG\r\n'));
    expect(await redis(`redis://127.0.0.1:${bulk.port}`)).toMatchObject({
      ok: false,
      error: 'unexpected reply from redis "$4"',
    });
    const endless = await fakeRedis((_sent, socket) => socket.write('+'.repeat(10_000)));
    expect(await redis(`redis://127.0.0.1:${endless.port}`)).toMatchObject({
      ok: false,
      error: `unexpected reply from redis "${'+'.repeat(40)}"`,
    });
    const wrong = await fakeRedis((_sent, socket) => socket.write('+PANG\r\n'));
    expect(await redis(`redis://127.0.0.1:${wrong.port}`)).toMatchObject({
      ok: false,
      error: 'unexpected reply from redis "PANG"',
    });
  });

  it('fails when the server hangs up before answering', async () => {
    const fake = await fakeRedis((_sent, socket) => socket.end('+PO'));
    expect(await redis(`redis://127.0.0.1:${fake.port}`)).toMatchObject({
      ok: false,
      error: 'redis closed the connection before answering',
    });
  });

  it('times out on a server that never answers, and frees the socket', async () => {
    const before = tcpSockets().length;
    const fake = await fakeRedis(() => undefined);
    const outcome = await redis(`redis://127.0.0.1:${fake.port}`, 200);
    expect(outcome).toMatchObject({ ok: false, error: 'timed out after 200 ms' });
    expect(outcome.latencyMs).toBeLessThan(1000);
    expect(fake.connections).toBe(1);
    await waitFor(() => sockets.size === 0, { what: 'the server to see the probe hang up' });
    await waitFor(() => tcpSockets().length <= before, { what: 'the probe socket to close' });
  });
});
