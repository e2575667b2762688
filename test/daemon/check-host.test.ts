// `apposd check` (and a start) refuses a config this host cannot run, with exit 78 and the
// key's file:line: a command not on the program's PATH, an unknown user or group, a missing
// cwd or env_file, a route whose upstream is apposd's own listener. `--host-independent`
// skips the host checks; the production config passes with it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAIN, NODE, ROOT } from '../helpers/daemon.js';
import { tempConfigs } from '../helpers/config-file.js';
import { tempDir } from '../helpers/temp.js';

const tmp = tempDir('apposd-host-');
const configs = tempConfigs('apposd-host-');
afterAll(() => {
  tmp.cleanup();
  configs.cleanup();
});

function apposd(yaml: string, args: string[]) {
  const file = configs.write(yaml);
  const marker = join(tmp.path, `started-${Math.random().toString(36).slice(2)}`);
  const r = spawnSync(NODE, [MAIN, ...args, '--config', file], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, APPOS_CTL_SOCKET: join(tmp.path, 'x.sock'), MARK: marker },
  });
  return {
    code: r.status,
    stderr: r.stderr.replace(/ +/g, ' '),
    file,
    started: existsSync(marker),
  };
}

// A program that would leave a marker file if it were ever started.
const touch = `programs:
  touch:
    command: [touch, "\${MARK}"]
    kind: oneshot
`;

const cases: [string, string, string][] = [
  [
    'a command not on PATH',
    `${touch}  app:\n    command: [no-such-command-x1, --flag]\n`,
    ':6:14 programs.app.command: command "no-such-command-x1" is not found on PATH',
  ],
  [
    "a command not on the program's own PATH",
    `${touch}  app:\n    command: [node, x.js]\n    env: { PATH: /nonexistent }\n`,
    ':6:14 programs.app.command: command "node" is not found on PATH (/nonexistent)',
  ],
  [
    'an unknown user',
    `${touch}  app:\n    command: [sleep, "1"]\n    user: no-such-user-x1\n`,
    ':7:11 programs.app.user: unknown user "no-such-user-x1"',
  ],
  [
    'an unknown group',
    `${touch}  app:\n    command: [sleep, "1"]\n    group: no-such-group-x1\n`,
    ':7:12 programs.app.group: unknown group "no-such-group-x1"',
  ],
  [
    'a missing cwd',
    `${touch}  app:\n    command: [sleep, "1"]\n    cwd: /nonexistent/dir\n`,
    ':7:10 programs.app.cwd: cwd /nonexistent/dir is not a directory on this host',
  ],
  [
    'a missing env_file',
    `${touch}  app:\n    command: [sleep, "1"]\n    env_file: no-such.env\n`,
    ':7:15 programs.app.env_file: env_file',
  ],
];

describe('host checks', () => {
  for (const [name, yaml, message] of cases) {
    it(`check and a start refuse ${name} with exit 78 at the key's line`, () => {
      for (const args of [['check'], []]) {
        const r = apposd(yaml, args);
        expect(r.code).toBe(78);
        expect(r.stderr).toContain(`${r.file}${message}`);
        expect(r.started).toBe(false);
      }
    });
  }

  it('--host-independent skips them (a missing env_file is read as empty)', () => {
    for (const [, yaml] of cases) {
      const r = apposd(yaml, ['check', '--host-independent']);
      expect([r.code, r.stderr]).toEqual([0, '']);
    }
  });

  it('config/appos.yaml passes with --host-independent', () => {
    const r = spawnSync(
      NODE,
      [MAIN, 'check', '--host-independent', '--config', join(ROOT, 'config/appos.yaml')],
      { encoding: 'utf8', timeout: 20_000, env: { PATH: process.env.PATH } },
    );
    expect([r.status, r.stderr]).toEqual([0, '']);
  });

  it('config/demo.yaml passes with the host checks (everything it runs is here)', () => {
    const r = spawnSync(NODE, [MAIN, 'check', '--config', join(ROOT, 'config/demo.yaml')], {
      encoding: 'utf8',
      timeout: 20_000,
      cwd: ROOT,
      env: { PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH}` },
    });
    expect([r.status, r.stderr]).toEqual([0, '']);
  });
});

describe('route loops', () => {
  const route = (listen: string, upstream: string): string =>
    `http:\n  listen: ${listen}\n  routes:\n    - path: /api\n      upstream: ${upstream}\n${touch}`;

  for (const [listen, upstream] of [
    ['127.0.0.1:8000', 'http://127.0.0.1:8000'],
    ['0.0.0.0:8000', 'http://localhost:8000/x'],
    ['"[::]:8000"', 'http://127.0.0.1:8000'],
    ['127.0.0.1:80', 'http://localhost'],
  ] as const) {
    it(`refuses ${upstream} behind a listener on ${listen}, even host-independent`, () => {
      const r = apposd(route(listen, upstream), ['check', '--host-independent']);
      expect(r.code).toBe(78);
      expect(r.stderr).toContain(
        `${r.file}:5:17 http.routes[0].upstream: upstream is apposd's own listener`,
      );
    });
  }

  it('accepts another port or another host', () => {
    for (const upstream of ['http://127.0.0.1:8001', 'http://10.1.2.3:8000']) {
      const r = apposd(route('0.0.0.0:8000', upstream), ['check']);
      expect([r.code, r.stderr]).toEqual([0, '']);
    }
  });
});
