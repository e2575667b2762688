// The control socket's transport on node:http, over a real unix socket with a fake supervisor:
// JSON errors with a code for wrong methods, media types, oversized bodies and malformed HTTP,
// keep-alive, and a follow stream ended by close().
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, follow } from '../../src/control/client.js';
import { ROUTES, type StatusResponse } from '../../src/control/protocol.js';
import { startControlServer, type ControlServer } from '../../src/control/server.js';
import { FakeLogs } from '../helpers/fake-logs.js';
import { FakeSupervisor, programStatus } from '../helpers/fake-supervisor.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

let tmp: ReturnType<typeof tempDir>;
let socket: string;
let supervisor: FakeSupervisor;
let logs: FakeLogs;
let server: ControlServer;

beforeEach(async () => {
  tmp = tempDir('apposd-ctl-transport-');
  socket = join(tmp.path, 'ctl.sock');
  supervisor = new FakeSupervisor([programStatus('redis'), programStatus('backend')]);
  logs = new FakeLogs();
  server = await startControlServer({
    socket,
    supervisor,
    logs,
    reload: async () => ({ added: [], changed: [], removed: [] }),
    shutdown: () => undefined,
    version: '0.0.1',
    host: process,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
});

afterEach(async () => {
  await server.close();
  tmp.cleanup();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

function send(
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Writes raw bytes and collects everything until the server closes the connection. */
function rawExchange(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(socket, () => s.write(bytes));
    let text = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (text += d));
    s.on('error', reject);
    s.on('close', () => resolve(text));
  });
}

const stillServing = async () =>
  expect((await call<StatusResponse>({ socket }, 'GET', ROUTES.STATUS)).programs).toHaveLength(2);

describe('control transport', () => {
  it('answers a known path with the wrong method like an unknown endpoint', async () => {
    expect(await send('GET', ROUTES.START)).toMatchObject({
      status: 404,
      body: { error: { code: 'APPOS_ERR_NOT_FOUND', message: 'no such endpoint: GET /v1/start' } },
    });
    expect(await send('DELETE', `${ROUTES.STATUS}?name=redis`)).toMatchObject({
      status: 404,
      body: { error: { message: 'no such endpoint: DELETE /v1/status?name=redis' } },
    });
  });

  it('refuses a body that is not JSON with 415 and bad JSON with 400', async () => {
    const typed = await send('POST', ROUTES.STOP, 'names=redis', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(typed).toMatchObject({
      status: 415,
      body: { error: { code: 'APPOS_ERR_BAD_REQUEST' } },
    });
    const untyped = await send('POST', ROUTES.STOP, '{"names":["redis"]}');
    expect(untyped.status).toBe(415);
    const bad = await send('POST', ROUTES.STOP, '{"names":', {
      'content-type': 'application/json',
    });
    expect(bad).toMatchObject({
      status: 400,
      body: { error: { code: 'APPOS_ERR_BAD_REQUEST', message: 'the body is not valid JSON' } },
    });
    expect(supervisor.calls).toEqual([]);
  });

  it('accepts a JSON body with a charset, and an empty body as none', async () => {
    const ok = await send('POST', ROUTES.STOP, '{"names":["redis"]}', {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(ok).toMatchObject({ status: 200, body: { results: [{ name: 'redis', ok: true }] } });
    expect((await send('POST', ROUTES.RELOAD)).status).toBe(200);
    expect(await send('POST', ROUTES.START)).toMatchObject({
      status: 400,
      body: { error: { message: 'the body must be a JSON object' } },
    });
  });

  it('refuses a body over 64 KiB with 413 and closes the connection', async () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `program-${i}`);
    const big = JSON.stringify({ names });
    expect(Buffer.byteLength(big)).toBeGreaterThan(64 * 1024);
    const declared = await send('POST', ROUTES.STOP, big, { 'content-type': 'application/json' });
    expect(declared).toMatchObject({
      status: 413,
      headers: { connection: 'close' },
      body: { error: { code: 'APPOS_ERR_BAD_REQUEST' } },
    });
    const chunked = await send('POST', ROUTES.STOP, big, {
      'content-type': 'application/json',
      'transfer-encoding': 'chunked',
    });
    expect(chunked).toMatchObject({ status: 413, headers: { connection: 'close' } });
    expect(supervisor.calls).toEqual([]);
    await stillServing();
  });

  it('answers malformed HTTP with a JSON 400 and closes', async () => {
    const text = await rawExchange('NOT HTTP AT ALL\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(text).toContain('connection: close');
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as unknown;
    expect(body).toEqual({
      error: { code: 'APPOS_ERR_BAD_REQUEST', message: 'malformed HTTP request' },
    });
    const both = await rawExchange(
      'POST /v1/stop HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\n{}',
    );
    expect(both).toMatch(/^HTTP\/1\.1 400 /);
    const huge = await rawExchange(
      `GET /v1/status HTTP/1.1\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    await stillServing();
  });

  it('answers several requests on one keep-alive connection', async () => {
    const text = await rawExchange(
      'GET /v1/version HTTP/1.1\r\nhost: x\r\n\r\n' +
        'GET /v1/health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n',
    );
    expect(text.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    expect(text).toContain('"version":"0.0.1"');
    expect(text).toContain('"healthy"');
  });

  it('ends open follow streams on close and removes the socket', async () => {
    const f = follow({ socket }, `${ROUTES.LOGS_FOLLOW}?name=redis`, () => undefined);
    await waitFor(() => logs.followerCount === 1, { what: 'the follower' });
    await server.close();
    await f.done;
    expect(logs.followerCount).toBe(0);
    await expect(call({ socket }, 'GET', ROUTES.VERSION)).rejects.toMatchObject({ exitCode: 2 });
  });
});
