// The /v1 control API over a real unix socket with the CLI's own client: error answers and
// codes, bad requests and disconnects that must never hurt the daemon, follow cleanup, timeouts.
import { request } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, CtlError, follow } from '../../src/control/client.js';
import { ROUTES, type FollowMessage, type StatusResponse } from '../../src/control/protocol.js';
import { startControlServer, type ControlServer } from '../../src/control/server.js';
import { AppError } from '../../src/errors.js';
import { FakeLogs } from '../helpers/fake-logs.js';
import { FakeSupervisor, programStatus } from '../helpers/fake-supervisor.js';
import { runCtl } from '../helpers/run-ctl.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

let tmp: ReturnType<typeof tempDir>;
let socket: string;
let supervisor: FakeSupervisor;
let logs: FakeLogs;
let server: ControlServer;
let reloadError: Error | undefined;
const errors: string[] = [];

beforeEach(async () => {
  tmp = tempDir('apposd-api-');
  socket = join(tmp.path, 'ctl.sock');
  supervisor = new FakeSupervisor([programStatus('redis'), programStatus('backend')]);
  logs = new FakeLogs();
  reloadError = undefined;
  errors.length = 0;
  server = await startControlServer({
    socket,
    supervisor,
    logs,
    reload: async () => {
      if (reloadError) throw reloadError;
      return { added: [], changed: [], removed: [] };
    },
    shutdown: () => undefined,
    version: '0.0.1',
    host: process,
    logger: {
      info: () => undefined,
      warn: () => undefined,
      error: (_fields, msg) => void errors.push(msg),
    },
  });
});

afterEach(async () => {
  await server.close();
  tmp.cleanup();
});

/** A raw request, for bodies the client would never send. */
function raw(method: string, path: string, body?: string, contentType = 'application/json') {
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    if (body !== undefined) req.setHeader('content-type', contentType);
    req.end(body);
  });
}

const stillServing = async () =>
  expect((await call<StatusResponse>({ socket }, 'GET', ROUTES.STATUS)).programs).toHaveLength(2);

describe('error answers', () => {
  it('answers malformed requests with 400 and a stable code', async () => {
    const bad = await raw('POST', ROUTES.START, '{not json');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'APPOS_ERR_BAD_REQUEST' } });
    const noNames = await raw('POST', ROUTES.STOP, '{"names":[]}');
    expect(noNames).toMatchObject({
      status: 400,
      body: { error: { code: 'APPOS_ERR_BAD_REQUEST' } },
    });
    const badLines = await raw('GET', `${ROUTES.LOGS}?name=redis&lines=-3`);
    expect(badLines.status).toBe(400);
    const badStream = await raw('GET', `${ROUTES.LOGS}?stream=stdout`);
    expect(badStream.body).toMatchObject({ error: { message: 'stream needs a program name' } });
    await stillServing();
  });

  it('answers unknown endpoints and programs with 404', async () => {
    expect(await raw('GET', '/v2/status')).toMatchObject({
      status: 404,
      body: { error: { code: 'APPOS_ERR_NOT_FOUND', message: 'no such endpoint: GET /v2/status' } },
    });
    const r = await raw('GET', `${ROUTES.STATUS}?name=reddis&name=zzz`);
    expect(r).toMatchObject({
      status: 404,
      body: {
        error: {
          code: 'APPOS_ERR_UNKNOWN_PROGRAM',
          unknown: [
            { name: 'reddis', suggestion: 'redis' },
            { name: 'zzz', suggestion: null },
          ],
        },
      },
    });
  });

  it('refuses start while apposd is stopping (409)', async () => {
    supervisor.stopping = true;
    const err = await call({ socket }, 'POST', ROUTES.START, { names: ['redis'] }).catch((e) => e);
    expect(err).toBeInstanceOf(CtlError);
    expect(err).toMatchObject({ code: 'APPOS_ERR_STOPPING', exitCode: 1 });
  });

  it('passes a config error from reload through (422) and the CLI prints it', async () => {
    reloadError = new AppError(
      'APPOS_ERR_CONFIG',
      'appos.yaml:3 programs.redis.comand: unknown key',
    );
    const r = await runCtl(['--socket', socket, 'reload']);
    expect([r.code, r.stdout, r.stderr]).toEqual([
      1,
      '',
      'appos-ctl: appos.yaml:3 programs.redis.comand: unknown key\n',
    ]);
  });

  it('answers a crashing handler with 500, logs it and keeps serving', async () => {
    reloadError = new Error('boom');
    const r = await raw('POST', ROUTES.RELOAD);
    expect(r).toMatchObject({ status: 500, body: { error: { code: 'APPOS_ERR_INTERNAL' } } });
    expect(errors).toEqual(['control request failed']);
    await stillServing();
  });

  it('survives garbage and clients that hang up mid-request', async () => {
    await new Promise<void>((resolve) => {
      const s = connect(socket, () => {
        s.write('NOT HTTP AT ALL\r\n\r\n');
        s.on('data', () => s.destroy());
        s.on('close', () => resolve());
      });
    });
    await new Promise<void>((resolve) => {
      const s = connect(socket, () => {
        s.write(
          'POST /v1/start HTTP/1.1\r\ncontent-type: application/json\r\ncontent-length: 50\r\n\r\n{"na',
        );
        setImmediate(() => {
          s.destroy();
          resolve();
        });
      });
    });
    await stillServing();
  });
});

describe('follow', () => {
  it('sends hello, the backlog, then live lines; removes the follower when the client leaves', async () => {
    logs.append('redis', 'stdout', 'old');
    const got: FollowMessage[] = [];
    const f = follow({ socket }, `${ROUTES.LOGS_FOLLOW}?name=redis&lines=5`, (m) => got.push(m));
    await waitFor(() => logs.followerCount === 1);
    logs.append('redis', 'stderr', 'new');
    await waitFor(() => got.length === 3);
    expect(got[0]).toEqual({ type: 'hello', programs: ['redis', 'backend'] });
    expect(got.slice(1).map((m) => m.type === 'line' && `${m.stream}:${m.line}`)).toEqual([
      'stdout:old',
      'stderr:new',
    ]);
    f.stop();
    await f.done;
    await waitFor(() => logs.followerCount === 0, { what: 'the follower to be removed' });
    await stillServing();
  });

  it('rejects a follow of an unknown program with the error', async () => {
    const f = follow({ socket }, `${ROUTES.LOGS_FOLLOW}?name=bakend`, () => undefined);
    await expect(f.done).rejects.toMatchObject({
      code: 'APPOS_ERR_UNKNOWN_PROGRAM',
      unknown: [{ name: 'bakend', suggestion: 'backend' }],
    });
  });
});

describe('client', () => {
  let silent: Server | undefined;
  afterEach(() => silent?.close());

  it('gives up with a clear line when apposd does not answer', async () => {
    const path = join(tmp.path, 'silent.sock');
    silent = createServer(() => undefined).listen(path);
    await new Promise((resolve) => silent!.once('listening', resolve));
    const err = await call({ socket: path, timeoutMs: 200 }, 'GET', ROUTES.VERSION).catch((e) => e);
    expect(err).toBeInstanceOf(CtlError);
    expect(err).toMatchObject({
      exitCode: 1,
      message: `apposd did not answer within 0.2s (socket ${path})`,
    });
  });
});
