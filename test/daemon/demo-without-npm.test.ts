// config/demo.yaml without npm: `node dist/main.js --config config/demo.yaml` from the
// repository root, with a PATH that holds no node_modules/.bin, still finds PocketBase (by its
// default path into node_modules) and the example backend, and brings the whole stack up.
// `appos-ctl journal` on that stack ends its last line with a newline.
import { spawnSync } from 'node:child_process';
import { delimiter } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CTL, Daemon, NODE } from '../helpers/daemon.js';
import { health, startDemo } from '../helpers/edge-daemon.js';
import { send } from '../helpers/http-client.js';
import { waitFor } from '../helpers/wait-for.js';

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

/** The suite's PATH (npm run puts node_modules/.bin on it) without any node_modules/.bin. */
const PATH_WITHOUT_NPM = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((dir) => !dir.includes('node_modules'))
  .join(delimiter);

describe('the demo stack without npm', () => {
  it('finds PocketBase and the backend with a PATH that has no node_modules/.bin', async () => {
    const which = spawnSync('sh', ['-c', 'command -v pocketbase'], {
      env: { PATH: PATH_WITHOUT_NPM },
    });
    expect(which.status, 'pocketbase must not be on this PATH').not.toBe(0);

    const demo = await startDemo(PATH_WITHOUT_NPM);
    d = demo.d;
    const { base } = demo;

    const h = await waitFor(
      async () => {
        const r = await health(base).catch(() => undefined);
        return r?.status === 200 && r.body.status === 'ok' ? r : undefined;
      },
      { timeoutMs: 60_000, what: '/api/health 200 and ok' },
    );
    expect(
      Object.fromEntries(Object.entries(h.body.programs).map(([n, p]) => [n, [p.state, p.ready]])),
    ).toEqual({
      init: ['EXITED', true],
      redis: ['RUNNING', true],
      pocketbase: ['RUNNING', true],
      backend: ['RUNNING', true],
    });
    expect((await send(`${base}/pb/api/health`)).status).toBe(200);
    expect((await send(`${base}/api/hello`)).json()).toMatchObject({ hello: 'world' });

    const journal = spawnSync(NODE, [CTL, 'journal'], {
      env: { PATH: PATH_WITHOUT_NPM, APPOS_CTL_SOCKET: d.socket },
      encoding: 'utf8',
    });
    expect(journal.status).toBe(0);
    expect(journal.stdout.endsWith('\n')).toBe(true);
    const lines = journal.stdout.slice(0, -1).split('\n');
    for (const line of lines) expect(line).toMatch(/^\S+Z {2}\S+ +\S+ -> \S+ +run \d+ {2}\S/);
    expect(lines.at(-1)).toMatch(/ backend +STARTING -> RUNNING +run 1 {2}ready probe passed$/);

    d.signal('SIGTERM');
    expect(await d.waitExit(20_000)).toEqual({ code: 0, signal: null });
  }, 90_000);
});
