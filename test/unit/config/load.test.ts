// loadConfig end to end on real files: the CONTRACT example, defaults, interpolation, env
// files, freezing, and the one readable report of every problem with file:line:col.
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError, type ConfigProblem } from '../../../src/config/config-error.js';
import { loadConfig, resolveConfigPath } from '../../../src/config/load.js';
import { EXIT } from '../../../src/errors.js';
import { tempConfigs } from '../../helpers/config-file.js';
import { probeConfig, programConfig } from '../../helpers/program-config.js';

const fixture = (name: string): string => resolve('test/fixtures/config', name);

const configs = tempConfigs('apposd-config-');
afterEach(() => configs.cleanup());

/** The ConfigError loading `file` throws. */
function problemsOf(file: string, env: Record<string, string> = {}): ConfigError {
  try {
    loadConfig(file, env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const brief = (p: ConfigProblem): string => `${p.line}:${p.col} ${p.path}: ${p.message}`;

describe('the CONTRACT.md example', () => {
  test('loads with defaults applied and env interpolated', () => {
    const config = loadConfig(fixture('contract-example.yaml'), {
      APPOS_DATA_DIR: '/data',
      APPOS_HTTP_LISTEN: '127.0.0.1:18080',
    });
    expect(config.file).toBe(fixture('contract-example.yaml'));
    expect(config.dataDir).toBe('/data');
    expect(config.shutdownTimeoutMs).toBe(8000);
    expect(config.log).toEqual({
      format: 'json',
      level: 'info',
      dir: '/data/logs',
      maxBytes: 10 * 1024 * 1024,
      backups: 3,
      tailBytes: 1024 * 1024,
    });
    expect(config.control).toEqual({ socket: '/run/appos/ctl.sock' });
    expect(config.http).toMatchObject({
      host: '127.0.0.1',
      port: 18080,
      maxBody: 100 * 1024 * 1024,
      compress: true,
      accessLog: true,
    });
    expect(config.http?.routes).toEqual([
      {
        path: '/terminal',
        upstream: 'http://127.0.0.1:8080',
        program: 'backend',
        websocket: true,
        stripPrefix: false,
        unhealthyAfter: 5,
        spa: false,
      },
      {
        path: '/api',
        upstream: 'http://127.0.0.1:8080',
        program: 'backend',
        websocket: false,
        holdMs: 5000,
        stripPrefix: false,
        unhealthyAfter: 5,
        spa: false,
      },
      {
        path: '/pb',
        upstream: 'http://127.0.0.1:8090',
        program: 'pocketbase',
        websocket: false,
        stripPrefix: true,
        unhealthyAfter: 5,
        spa: false,
      },
      { path: '/', static: '/appos/web', websocket: false, stripPrefix: false, spa: true },
    ]);
    expect(config.programs.map((p) => p.name)).toEqual(['redis', 'pocketbase', 'backend']);
    const [redis, pocketbase, backend] = config.programs;
    // The loader's defaults are the helper's: a drift in either fails here.
    expect(redis).toEqual(
      programConfig('redis', {
        command: [
          'redis-server',
          '--port',
          '6379',
          '--bind',
          '127.0.0.1',
          '--dir',
          '/data/redis',
          '--appendonly',
          'yes',
        ],
        priority: 10,
        critical: true,
        ready: probeConfig({ kind: 'redis', target: 'redis://127.0.0.1:6379' }),
      }),
    );
    expect(pocketbase?.ready).toMatchObject({
      kind: 'pocketbase',
      target: 'http://127.0.0.1:8090',
    });
    expect(backend?.dependsOn).toEqual([
      { name: 'redis', condition: 'ready' },
      { name: 'pocketbase', condition: 'ready' },
    ]);
    expect(backend?.env).toEqual({
      REDIS_ADDR: '127.0.0.1:6379',
      POCKETBASE_URL: 'http://127.0.0.1:8090',
    });
    expect(backend?.ready).toMatchObject({ kind: 'http', target: 'http://127.0.0.1:8080/healthz' });
    expect(config.loadWarnings).toEqual([]);
  });

  test('defaults from the ${VAR:-default}s when the environment is empty', () => {
    const config = loadConfig(fixture('contract-example.yaml'), {});
    expect(config.dataDir).toBe('/appos/data');
    expect(config.http).toMatchObject({ host: '0.0.0.0', port: 80 });
    expect(config.programs[0]?.command).toContain('/appos/data/redis');
  });

  test('the result is deeply frozen and has no undefined keys', () => {
    const config = loadConfig(fixture('contract-example.yaml'), {});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.programs)).toBe(true);
    expect(Object.isFrozen(config.programs[0]?.command)).toBe(true);
    expect(Object.isFrozen(config.http?.routes[0])).toBe(true);
    expect(Object.keys(config.programs[0] ?? {})).not.toContain('cwd');
    expect(() => {
      (config.programs[0]?.command as string[]).push('x');
    }).toThrow();
  });
});

describe('defaults', () => {
  test('a minimal program gets every default', () => {
    const config = loadConfig(fixture('minimal.yaml'), {});
    expect(config.shutdownTimeoutMs).toBe(8000);
    expect(config.http).toBeUndefined();
    expect(config.log).toEqual({
      level: 'info',
      maxBytes: 10 * 1024 * 1024,
      backups: 3,
      tailBytes: 1024 * 1024,
    });
    expect(config.programs[0]).toMatchObject({
      command: ['sleep', '1000'],
      priority: 100,
      autostart: true,
      kind: 'daemon',
      restart: 'always',
      stopSignal: 'SIGTERM',
      stopTimeoutMs: 5000,
      critical: false,
    });
  });

  test('oneshots restart on-failure; live probes check every 10s', () => {
    const file = configs.write(`
programs:
  init:
    command: [init]
    kind: oneshot
  app:
    command: [app]
    live: { tcp: "127.0.0.1:9000" }
    ready: { exec: "check --quick", interval: 250ms, retries: 5, initial_delay: 2s }
`);
    const [init, app] = loadConfig(file, {}).programs;
    expect(init?.restart).toBe('on-failure');
    expect(app?.live).toMatchObject({ kind: 'tcp', target: '127.0.0.1:9000', intervalMs: 10_000 });
    expect(app?.ready).toMatchObject({
      kind: 'exec',
      target: '',
      argv: ['check', '--quick'],
      intervalMs: 250,
      retries: 5,
      initialDelayMs: 2000,
    });
  });

  test('control.socket defaults to $APPOS_CTL_SOCKET from the passed env', () => {
    const file = configs.write('programs: {}\n');
    expect(loadConfig(file, { APPOS_CTL_SOCKET: '/tmp/x.sock' }).control.socket).toBe(
      '/tmp/x.sock',
    );
    expect(loadConfig(file, {}).control.socket).toBe('/run/appos/ctl.sock');
  });

  test('an empty http section listens on 0.0.0.0:80 with no routes', () => {
    const file = configs.write('http: {}\n');
    expect(loadConfig(file, {}).http).toEqual({
      host: '0.0.0.0',
      port: 80,
      maxBody: 100 * 1024 * 1024,
      compress: true,
      accessLog: true,
      routes: [],
    });
  });

  test('listen forms: [::]:80 and :80', () => {
    const v6 = configs.write('http: { listen: "[::]:8080" }\n');
    expect(loadConfig(v6, {}).http).toMatchObject({ host: '::', port: 8080 });
    const all = configs.write('http: { listen: ":81" }\n');
    expect(loadConfig(all, {}).http).toMatchObject({ host: '0.0.0.0', port: 81 });
  });

  test('an empty file is a valid config with no programs', () => {
    expect(loadConfig(configs.write(''), {}).programs).toEqual([]);
  });
});

describe('normalization', () => {
  test('env_file first, then env on top; values coerced to strings', () => {
    const config = loadConfig(fixture('with-env-file.yaml'), {});
    const app = config.programs[0];
    expect(app?.command).toEqual(['app', '--name', 'my app']);
    expect(app?.envFile).toBe(fixture('app.env'));
    expect(app?.env).toEqual({
      MODE: 'production',
      API_KEY: 's3cret value',
      SINGLE: 'a $literal',
      PLAIN: 'plain value',
      EMPTY: '',
      WORKERS: '4',
      DEBUG: 'false',
    });
  });

  test('stop_signal with or without SIG, depends_on as a list, paths as written', () => {
    const file = configs.write(`
data_dir: ./data
programs:
  a:
    command: [a]
    stop_signal: INT
    cwd: work
  b:
    command: [b]
    stop_signal: SIGQUIT
    depends_on: [a]
    user: 1000
`);
    const config = loadConfig(file, {});
    const [a, b] = config.programs;
    expect(a?.stopSignal).toBe('SIGINT');
    expect(b?.stopSignal).toBe('SIGQUIT');
    expect(b?.dependsOn).toEqual([{ name: 'a', condition: 'ready' }]);
    expect(b?.user).toBe('1000');
    expect(a?.cwd).toBe('work');
    expect(config.dataDir).toBe('./data');
  });

  test('unquoted ${VAR}s become numbers and booleans where the schema wants them', () => {
    const file = configs.write(`
http:
  compress: \${COMPRESS:-false}
  max_body: \${MAX_BODY}
programs:
  app:
    command:
      - app
      - --port
      - \${PORT}
    priority: \${PRIO:-7}
    env:
      ZIP: \${ZIP}
`);
    const config = loadConfig(file, { MAX_BODY: '2048', PORT: '9000', ZIP: '007' });
    expect(config.http?.compress).toBe(false);
    expect(config.http?.maxBody).toBe(2048);
    expect(config.programs[0]?.priority).toBe(7);
    expect(config.programs[0]?.command).toEqual(['app', '--port', '9000']);
    expect(config.programs[0]?.env).toEqual({ ZIP: '007' });
  });

  test('$$ is a literal dollar; unset variables become "" with a warning naming them', () => {
    const file = configs.write(`
programs:
  app:
    command: [sh, -c, "echo $$HOME \${NOT_SET}"]
`);
    const config = loadConfig(file, {});
    expect(config.programs[0]?.command).toEqual(['sh', '-c', 'echo $HOME ']);
    expect(config.loadWarnings).toEqual([
      `\${NOT_SET} is not set; using an empty string (used at ${file}:4:23 programs.app.command[2])`,
    ]);
  });

  test('YAML anchors and merge keys, with x- extension fields', () => {
    const file = configs.write(`
x-defaults: &defaults
  stop_timeout: 2s
  restart: on-failure
programs:
  a:
    <<: *defaults
    command: [a]
  b:
    <<: *defaults
    command: [b]
    stop_timeout: 3s
`);
    const [a, b] = loadConfig(file, {}).programs;
    expect(a).toMatchObject({ stopTimeoutMs: 2000, restart: 'on-failure' });
    expect(b).toMatchObject({ stopTimeoutMs: 3000, restart: 'on-failure' });
  });
});

describe('problems', () => {
  test('a missing file is a ConfigError with exit code 78', () => {
    const err = problemsOf('/nonexistent/appos.yaml');
    expect(err.code).toBe('APPOS_ERR_CONFIG');
    expect(err.exitCode).toBe(EXIT.CONFIG);
    expect(err.problems).toEqual([
      {
        file: '/nonexistent/appos.yaml',
        path: '',
        message: 'config file not found (use --config PATH or set APPOS_CONFIG)',
      },
    ]);
    expect(err.format()).toBe(
      'invalid config /nonexistent/appos.yaml (1 problem):\n' +
        '  /nonexistent/appos.yaml  config file not found (use --config PATH or set APPOS_CONFIG)',
    );
  });

  test('bad YAML syntax is reported with line:col', () => {
    // Inline, not a fixture: prettier --check would choke on a broken .yaml file.
    const err = problemsOf(
      configs.write(
        'programs:\n  redis:\n    command: [redis-server, --port, "6379"\n  backend:\n    command: backend\n',
      ),
    );
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({ line: 4, col: 3, path: '' });
    expect(err.problems[0]?.message).toMatch(/^YAML syntax error: Flow sequence/);
  });

  test('an unquoted ${VAR} in a flow list gets a hint to quote it', () => {
    const err = problemsOf(configs.write('programs:\n  a:\n    command: [a, ${X}]\n'));
    expect(err.problems.map(brief)).toEqual([
      '3:19 : YAML syntax error: Missing , or : between flow sequence items (inside [ ] or { }, quote values that use ${...}: "${VAR}")',
    ]);
  });

  test('duplicate keys are syntax errors', () => {
    const err = problemsOf(configs.write('programs: {}\nprograms: {}\n'));
    expect(err.problems.map(brief)).toEqual(['2:1 : YAML syntax error: Map keys must be unique']);
  });

  test('several problems at once, each with its line:col and key path, one report', () => {
    const file = fixture('several-problems.yaml');
    const err = problemsOf(file);
    expect(err.problems.map(brief)).toEqual([
      '2:1 shutdwon_timeout: unknown key (did you mean "shutdown_timeout"?)',
      '4:10 log.level: expected one of trace, debug, info, warn, error, fatal; got "verbose"',
      '8:19 programs.redis.stop_timeout: expected a duration like 5s, got 5 (write 5s)',
      '12:7 programs.backend.depends_on.redsi: unknown program "redsi" (did you mean "redis"?)',
      '13:5 programs.backend.ready: a probe has exactly one kind, found tcp and http',
    ]);
    expect(err.format()).toBe(
      [
        `invalid config ${file} (5 problems):`,
        `  ${file}:2:1   shutdwon_timeout: unknown key (did you mean "shutdown_timeout"?)`,
        `  ${file}:4:10  log.level: expected one of trace, debug, info, warn, error, fatal; got "verbose"`,
        `  ${file}:8:19  programs.redis.stop_timeout: expected a duration like 5s, got 5 (write 5s)`,
        `  ${file}:12:7  programs.backend.depends_on.redsi: unknown program "redsi" (did you mean "redis"?)`,
        `  ${file}:13:5  programs.backend.ready: a probe has exactly one kind, found tcp and http`,
      ].join('\n'),
    );
    expect(err.message).toBe(err.format());
  });

  test('missing ${VAR:?} names the variable and the message, not other problems', () => {
    const err = problemsOf(fixture('required-var.yaml'), { TOKEN_FILE: '' });
    expect(err.problems.map(brief)).toEqual([
      "3:38 programs.backend.command[2]: required variable TOKEN_FILE is empty: set TOKEN_FILE to the secret's path",
      '5:15 programs.backend.env.DB_URL: required variable DB_URL is not set',
    ]);
  });

  test('env values never appear in messages, only variable names', () => {
    const file = configs.write(`
shutdown_timeout: \${TIMEOUT}
programs:
  app:
    command: [app]
    priority: "\${PRIO}"
    stop_signal: \${SIG}
`);
    const err = problemsOf(file, { TIMEOUT: 'hunter2', PRIO: 'swordfish', SIG: 'opensesame' });
    const report = err.format();
    for (const secret of ['hunter2', 'swordfish', 'opensesame']) {
      expect(report).not.toContain(secret);
    }
    expect(err.problems.map(brief)).toEqual([
      '2:19 shutdown_timeout: expected a duration like 5s, got a string',
      '6:15 programs.app.priority: expected a whole number, got a string',
      '7:18 programs.app.stop_signal: expected one of TERM, INT, QUIT, HUP, KILL, USR1, USR2, SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGKILL, SIGUSR1, SIGUSR2; got a string',
    ]);
  });

  test('a missing or unreadable env_file is a problem at its key', () => {
    const file = configs.write(
      `
programs:
  app:
    command: [app]
    env_file: missing.env
  other:
    command: [other]
    env_file: bad.env
`,
      { 'bad.env': 'GOOD=1\nthis line is broken\n' },
    );
    const err = problemsOf(file);
    const envPath = join(file, '..', 'missing.env');
    const badPath = join(file, '..', 'bad.env');
    expect(err.problems.map(brief)).toEqual([
      `5:15 programs.app.env_file: env_file ${envPath} not found`,
      `8:15 programs.other.env_file: ${badPath} line 2: expected KEY=VALUE`,
    ]);
  });

  test('a non-map document is reported', () => {
    const err = problemsOf(configs.write('- just\n- a list\n'));
    expect(err.problems.map((p) => p.message)).toEqual(['expected a map, got a list']);
  });
});

describe('resolveConfigPath', () => {
  test('--config, else $APPOS_CONFIG, else <packageRoot>/config/appos.yaml', () => {
    expect(resolveConfigPath('/etc/a.yaml', { APPOS_CONFIG: '/b.yaml' }, '/pkg')).toBe(
      '/etc/a.yaml',
    );
    expect(resolveConfigPath(undefined, { APPOS_CONFIG: '/b.yaml' }, '/pkg')).toBe('/b.yaml');
    expect(resolveConfigPath(undefined, { APPOS_CONFIG: '' }, '/pkg')).toBe(
      '/pkg/config/appos.yaml',
    );
    expect(resolveConfigPath(undefined, {}, '/pkg')).toBe('/pkg/config/appos.yaml');
    expect(resolveConfigPath('rel.yaml', {}, '/pkg')).toBe(resolve('rel.yaml'));
  });
});
