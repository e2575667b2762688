// Bad input: every case exits 78 with one readable report and starts nothing; a missing
// binary makes only that program FATAL while the others run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Daemon, MAIN, NODE, fixture } from '../helpers/daemon.js';
import { tempConfigs } from '../helpers/config-file.js';
import { tempDir } from '../helpers/temp.js';

const tmp = tempDir('apposd-cfg-');
const configs = tempConfigs('apposd-cfg-');
afterAll(() => {
  tmp.cleanup();
  configs.cleanup();
});

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

function apposd(yaml: string, args: string[] = [], env: Record<string, string> = {}) {
  const file = configs.write(yaml);
  const marker = join(tmp.path, `started-${Math.random().toString(36).slice(2)}`);
  const r = spawnSync(NODE, [MAIN, ...args, '--config', file], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, APPOS_CTL_SOCKET: join(tmp.path, 'x.sock'), MARK: marker, ...env },
  });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout, file, started: existsSync(marker) };
}

// A program that would leave a marker file if it were ever started.
const touch = `
  touch:
    command: [touch, "\${MARK}"]
    kind: oneshot`;

const cases: [string, string, RegExp][] = [
  ['bad YAML', `programs:\n  a: [unclosed\n${touch}`, /:\d+:\d+/],
  [
    'a misspelt key',
    `programs:${touch}\n  web:\n    comand: [x]\n`,
    /comand.*did you mean "command"/,
  ],
  ['a wrong type', `shutdown_timeout: 5\nprograms:${touch}\n`, /shutdown_timeout.*5s/],
  [
    'a missing ${VAR:?}',
    `data_dir: \${NO_SUCH_VAR_X:?set the data dir}\nprograms:${touch}\n`,
    /NO_SUCH_VAR_X.*set the data dir/,
  ],
  [
    'a dependency cycle',
    `programs:${touch}\n  a: { command: [x], depends_on: [b] }\n  b: { command: [x], depends_on: [c] }\n  c: { command: [x], depends_on: [a] }\n`,
    /cycle.*a -> b -> c -> a/,
  ],
  [
    'an unknown dependency',
    `programs:${touch}\n  redis: { command: [x] }\n  a: { command: [x], depends_on: [redsi] }\n`,
    /redsi.*did you mean "redis"/,
  ],
  [
    'a oneshot depended on as ready',
    `programs:${touch}\n  init: { kind: oneshot, command: [x] }\n  a: { command: [x], depends_on: { init: ready } }\n`,
    /init.*completed/,
  ],
];

describe('bad config', () => {
  for (const [what, yaml, message] of cases) {
    it(`rejects ${what} with exit 78 and starts nothing`, () => {
      for (const args of [['check'], []]) {
        const r = apposd(yaml, args);
        expect(r.code, r.stderr).toBe(78);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).toContain(r.file);
        expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
        expect(r.started).toBe(false);
      }
    });
  }

  it('reports several problems at once, each with its line', () => {
    const r = apposd(`shutdwon_timeout: 5s\nprograms:\n  a:\n    command: [x]\n    priorty: 3\n`, [
      'check',
    ]);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/:1:\d+.*shutdwon_timeout/);
    expect(r.stderr).toMatch(/:5:\d+.*priorty.*did you mean "priority"/);
  });

  it('exits 2 on an unknown flag', () => {
    const r = spawnSync(NODE, [MAIN, '--bogus'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage: apposd/);
  });
});

describe('missing binary', () => {
  it('makes that program FATAL with the OS error while the others run', async () => {
    d = Daemon.start(
      `
programs:
  ghost:
    command: [/nonexistent/bin/ghost, --flag]
  fine:
    command: [${NODE}, ${fixture('forever.mjs')}]
    start_seconds: 100ms
`,
      // The start's host checks would refuse the missing binary; this is about its spawn.
      { args: ['--host-independent'] },
    );
    const fatal = await d.waitState('ghost', 'FATAL');
    expect(fatal.reason).toBe('spawn /nonexistent/bin/ghost ENOENT');
    await d.waitState('fine', 'RUNNING');
    expect(d.exitStatus).toBeNull();
  });
});
