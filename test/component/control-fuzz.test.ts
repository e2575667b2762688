// Fuzzing the control socket with fast-check (fixed seed, bounded runs): random methods, paths,
// queries and JSON (or not-JSON) bodies sent as real HTTP over the real unix socket to the real
// control server, with a fake supervisor at the seam. Every answer is a 2xx, or a 4xx whose
// body carries a stable error code; never a 5xx, never a hang; the server answers afterwards.
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROUTES } from '../../src/control/protocol.js';
import { startControlServer, type ControlServer } from '../../src/control/server.js';
import { checkAnswer, contentType, requestArb, send } from '../helpers/control-fuzz.js';
import { FakeLogs } from '../helpers/fake-logs.js';
import { FakeSupervisor, programStatus } from '../helpers/fake-supervisor.js';
import { tempDir } from '../helpers/temp.js';

const tmp = tempDir('apposd-cfuzz-');
const socket = join(tmp.path, 'ctl.sock');
const internalErrors: string[] = [];
let server: ControlServer;

beforeAll(async () => {
  const supervisor = new FakeSupervisor([
    programStatus('redis'),
    programStatus('backend'),
    programStatus('init', { kind: 'oneshot', state: 'EXITED', completed: true, pid: null }),
  ]);
  server = await startControlServer({
    socket,
    supervisor,
    logs: new FakeLogs(),
    reload: async () => ({ added: [], changed: [], removed: [] }),
    shutdown: () => undefined,
    version: '0.0.0-fuzz',
    host: process,
    logger: {
      info: () => undefined,
      warn: () => undefined,
      error: (_fields, msg) => void internalErrors.push(msg),
    },
  });
});

afterAll(async () => {
  await server?.close();
  tmp.cleanup();
});

describe('control socket fuzz', () => {
  test('random requests: a 2xx or a 4xx with a code, never a 5xx or a hang', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, contentType, async (r, type) => {
        checkAnswer(await send(socket, r.method, r.path, r.body, type), r.method);
      }),
      { seed: 1410, numRuns: 500, interruptAfterTimeLimit: 25_000 },
    );
    expect(internalErrors).toEqual([]);
    const version = await send(socket, 'GET', ROUTES.VERSION, undefined, undefined);
    expect(JSON.parse(version.body)).toMatchObject({ version: '0.0.0-fuzz' });
  }, 60_000);
});
