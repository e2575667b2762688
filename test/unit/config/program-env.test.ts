// Environment scoping in the loader: a program inherits the base set and what `pass_env`
// names (globs, top level plus per program), env_file and env go on top, and `apposd check`
// lists the names a program gets, never a value.
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadConfig } from '../../../src/config/load.js';
import { formatPlan, programEnvNames } from '../../../src/config/plan.js';
import { startPlan } from '../../../src/supervisor/order.js';
import { envMatcher, inheritedEnv } from '../../../src/config/program-env.js';
import type { AppConfig } from '../../../src/config/types.js';
import { tempConfigs } from '../../helpers/config-file.js';

const configs = tempConfigs('apposd-env-');
afterEach(() => configs.cleanup());

function load(text: string, env: Record<string, string>, files: Record<string, string> = {}) {
  const file = configs.write(text, files);
  return loadConfig(file, env);
}

const ENV = {
  PATH: '/usr/bin:/bin',
  HOME: '/root',
  USER: 'root',
  LOGNAME: 'root',
  LANG: 'C.UTF-8',
  LC_ALL: 'C',
  LC_TIME: 'en_GB',
  TZ: 'Europe/Paris',
  TERM: 'xterm',
  PB_SUPERUSER_EMAIL: 'admin@example.com',
  PB_SUPERUSER_PASSWORD: 'hunter2-secret',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-value',
  APP_MODE: 'prod',
  APP_COLOR: 'blue',
  APPLE: 'fruit',
};

const program = (config: AppConfig, name: string) => {
  const p = config.programs.find((x) => x.name === name);
  if (!p) throw new Error(`no program ${name}`);
  return p;
};

describe('envMatcher', () => {
  test('exact names, * for any run, ? for one character', () => {
    const m = envMatcher(['PATH', 'APP_*', 'LC_?', 'X*Y']);
    expect(['PATH', 'APP_', 'APP_MODE', 'LC_A', 'XY', 'XabY'].every(m)).toBe(true);
    expect(['PATHS', 'APPLE', 'LC_AB', 'LC_', 'XYZ', 'path'].some(m)).toBe(false);
  });

  test('regex characters in a pattern are literal', () => {
    const m = envMatcher(['A.B', 'C-*']);
    expect(m('A.B')).toBe(true);
    expect(m('AxB')).toBe(false);
    expect(m('C-1')).toBe(true);
  });
});

describe('inheritedEnv', () => {
  test('without pass_env: the base set only, no secret', () => {
    expect(Object.keys(inheritedEnv(ENV, []))).toEqual([
      'HOME',
      'LANG',
      'LC_ALL',
      'LC_TIME',
      'LOGNAME',
      'PATH',
      'TZ',
      'USER',
    ]);
  });

  test('["*"] is the old behaviour: everything', () => {
    expect(inheritedEnv(ENV, ['*'])).toEqual(ENV);
  });

  test('unset base variables are simply absent', () => {
    expect(inheritedEnv({ PATH: '/bin', SECRET: 's' }, [])).toEqual({ PATH: '/bin' });
  });
});

describe('pass_env in the config', () => {
  const yaml = `
pass_env: [TERM]
programs:
  plain:
    command: [app]
  superuser:
    command: [app]
    pass_env: ["PB_SUPERUSER_*"]
  globbed:
    command: [app]
    pass_env: [APP_*, AWS_SECRET_ACCESS_KEY]
`;

  test('a secret reaches only the programs that name it', () => {
    const config = load(yaml, ENV);
    const inherited = (name: string) => program(config, name).inherited;
    expect(inherited('plain')).not.toHaveProperty('PB_SUPERUSER_PASSWORD');
    expect(inherited('plain')).not.toHaveProperty('AWS_SECRET_ACCESS_KEY');
    expect(inherited('globbed')).not.toHaveProperty('PB_SUPERUSER_PASSWORD');
    expect(inherited('superuser')).toMatchObject({
      PB_SUPERUSER_EMAIL: 'admin@example.com',
      PB_SUPERUSER_PASSWORD: 'hunter2-secret',
    });
    expect(inherited('superuser')).not.toHaveProperty('AWS_SECRET_ACCESS_KEY');
  });

  test('top-level pass_env goes to every program; a program adds its own', () => {
    const config = load(yaml, ENV);
    for (const p of config.programs) expect(p.inherited.TERM).toBe('xterm');
    expect(program(config, 'globbed').inherited).toMatchObject({
      APP_MODE: 'prod',
      APP_COLOR: 'blue',
      AWS_SECRET_ACCESS_KEY: 'aws-secret-value',
    });
    // APP_* is a glob on the name: APPLE does not match.
    expect(program(config, 'globbed').inherited).not.toHaveProperty('APPLE');
  });

  test('env_file over the inherited variables, env over env_file', () => {
    const config = load(
      `
programs:
  app:
    command: [app]
    pass_env: [APP_MODE, APP_COLOR, APPLE]
    env_file: app.env
    env: { APP_COLOR: from-env, APPLE: from-env }
`,
      ENV,
      { 'app.env': 'APP_COLOR=from-file\nAPPLE=from-file\nONLY_FILE=1\n' },
    );
    const app = program(config, 'app');
    // What the spawner builds: inherited, then (user's HOME...), then env_file + env.
    const effective = { ...app.inherited, ...app.env };
    expect(effective).toMatchObject({
      APP_MODE: 'prod',
      APP_COLOR: 'from-env',
      APPLE: 'from-env',
      ONLY_FILE: '1',
    });
    expect(app.env).toEqual({ APP_COLOR: 'from-env', APPLE: 'from-env', ONLY_FILE: '1' });
  });

  test('${VAR} interpolation still sees the whole environment', () => {
    const config = load(
      `
programs:
  app:
    command: [app]
    env: { PASSWORD: "\${PB_SUPERUSER_PASSWORD}" }
`,
      ENV,
    );
    const app = program(config, 'app');
    expect(app.env.PASSWORD).toBe('hunter2-secret');
    expect(app.inherited).not.toHaveProperty('PB_SUPERUSER_PASSWORD');
  });

  test('a bad pattern is a config error at its line', () => {
    const run = () => load(`pass_env: ["A=B"]\nprograms:\n  a: { command: [a] }\n`, ENV);
    expect(run).toThrow(ConfigError);
    expect(() => run()).toThrow(/appos\.yaml:1:\d+.*pass_env\[0\]/s);
  });

  test('a changed pass_env makes a reload restart the program (different resolved config)', () => {
    const before = load(`programs:\n  a: { command: [a] }\n`, ENV);
    const after = load(`programs:\n  a: { command: [a], pass_env: [TERM] }\n`, ENV);
    expect(before.programs[0]).not.toEqual(after.programs[0]);
  });
});

describe('apposd check', () => {
  test('lists each program’s variable names, never a value', () => {
    const config = load(
      `
programs:
  plain:
    command: [app]
  superuser:
    command: [app]
    user: nobody
    pass_env: ["PB_SUPERUSER_*"]
    env: { DB_PASSWORD: "\${AWS_SECRET_ACCESS_KEY}" }
`,
      ENV,
    );
    const text = formatPlan(config, startPlan(config.programs));
    expect(text).toMatch(/plain[\s\S]*env {8}HOME LANG LC_ALL LC_TIME LOGNAME PATH TZ USER\n/);
    expect(text).toContain(
      'env        DB_PASSWORD HOME LANG LC_ALL LC_TIME LOGNAME PATH ' +
        'PB_SUPERUSER_EMAIL PB_SUPERUSER_PASSWORD TZ USER\n',
    );
    for (const value of Object.values(ENV)) {
      if (value.length > 4) expect(text).not.toContain(value);
    }
  });

  test('a program as a user gets HOME, USER and LOGNAME even when apposd has none', () => {
    const config = load(`programs:\n  a: { command: [a], user: nobody }\n`, { PATH: '/bin' });
    expect(programEnvNames(program(config, 'a'))).toEqual(['HOME', 'LOGNAME', 'PATH', 'USER']);
  });

  test('a program with nothing inherited says so', () => {
    const config = load(`programs:\n  a: { command: [a] }\n`, {});
    expect(formatPlan(config, startPlan(config.programs))).toContain('env        (none)');
  });
});

describe('the shipped configs', () => {
  const secrets = { ...ENV, APPOS_DATA_DIR: '/data', SOME_API_KEY: 'k-secret' };

  test('config/appos.yaml passes the superuser credentials to pocketbase-superuser only', () => {
    const config = loadConfig('config/appos.yaml', secrets);
    const passed = (name: string) =>
      Object.keys(program(config, name).inherited).filter((n) => !(n in inheritedEnv(ENV, [])));
    expect(passed('pocketbase-superuser')).toEqual(['PB_SUPERUSER_EMAIL', 'PB_SUPERUSER_PASSWORD']);
    for (const name of ['init', 'redis', 'pocketbase', 'backend']) expect(passed(name)).toEqual([]);
  });

  test('config/demo.yaml passes nothing beyond the base set', () => {
    const config = loadConfig('config/demo.yaml', secrets);
    for (const p of config.programs) {
      expect(Object.keys(p.inherited)).toEqual(Object.keys(inheritedEnv(ENV, [])));
    }
  });
});
