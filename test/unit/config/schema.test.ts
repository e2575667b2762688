// The JSON Schema itself (what `apposd schema` prints) and the readable problems the loader
// makes of schema violations: unknown keys, wrong types, enum values, with did-you-mean.
import { Ajv } from 'ajv';
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadConfig } from '../../../src/config/load.js';
import { jsonSchema } from '../../../src/config/schema.js';
import { tempConfigs } from '../../helpers/config-file.js';

const configs = tempConfigs('apposd-schema-');
afterEach(() => configs.cleanup());

/** `line:col path: message` for every problem loading `text` reports. */
function problems(text: string): string[] {
  const file = configs.write(text);
  try {
    loadConfig(file, {});
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
  }
  return [];
}

type Schema = {
  type?: unknown;
  properties?: Record<string, Schema>;
  additionalProperties?: unknown;
  definitions?: Record<string, Schema>;
  description?: string;
  items?: Schema;
};

describe('jsonSchema()', () => {
  const schema = jsonSchema() as Schema & { $schema: string };

  test('is a draft-07 schema that ajv compiles in strict mode', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(() => new Ajv({ strict: true, allowUnionTypes: true }).compile(schema)).not.toThrow();
  });

  test('every object closes its keys and every key has a description', () => {
    const visit = (s: Schema, where: string): void => {
      if (s.properties) {
        expect(s.additionalProperties, where).toBe(false);
        for (const [key, child] of Object.entries(s.properties)) {
          expect(child.description, `${where}.${key}`).toBeTruthy();
          visit(child, `${where}.${key}`);
        }
      }
      if (s.items) visit(s.items, `${where}[]`);
    };
    visit(schema, 'root');
    for (const [name, def] of Object.entries(schema.definitions ?? {})) visit(def, name);
  });

  test('programs have exactly the keys CONTRACT.md lists', () => {
    expect(Object.keys(schema.definitions?.program?.properties ?? {}).sort()).toEqual(
      [
        'command',
        'cwd',
        'pass_env',
        'env',
        'env_file',
        'user',
        'group',
        'priority',
        'depends_on',
        'autostart',
        'kind',
        'restart',
        'exit_codes',
        'start_seconds',
        'start_timeout',
        'start_retries',
        'backoff',
        'stop_signal',
        'stop_timeout',
        'critical',
        'ready',
        'live',
        'schedule',
        'schedule_missed',
        'backup',
        'image',
      ].sort(),
    );
    expect(Object.keys(schema.definitions?.probe?.properties ?? {}).sort()).toEqual(
      [
        'tcp',
        'http',
        'expect',
        'exec',
        'redis',
        'pocketbase',
        'interval',
        'timeout',
        'retries',
        'initial_delay',
      ].sort(),
    );
  });

  test('is a fresh copy each time', () => {
    const a = jsonSchema();
    a.title = 'changed';
    expect(jsonSchema().title).toBe('apposd config');
  });
});

describe('schema problems', () => {
  test('misspelt keys at any level get a did-you-mean among that level', () => {
    expect(
      problems(`
lgo: {}
programs:
  app:
    comand: [app]
    ready: { tcp: "127.0.0.1:1", intervall: 1s }
`),
    ).toEqual([
      '2:1 lgo: unknown key (did you mean "log"?)',
      '4:3 programs.app: missing required key "command"',
      '5:5 programs.app.comand: unknown key (did you mean "command"?)',
      '6:34 programs.app.ready.intervall: unknown key (did you mean "interval"?)',
    ]);
  });

  test('an unknown key with no close match lists the allowed keys', () => {
    expect(problems('control: { whatever: 1 }\n')).toEqual([
      '1:12 control.whatever: unknown key; expected one of: socket',
    ]);
  });

  test('wrong types say what was expected in words', () => {
    expect(
      problems(`
shutdown_timeout: 8
log: { max_bytes: lots, backups: many }
http: { compress: "yes", routes: { path: / } }
programs:
  app:
    command: {}
    autostart: yes
    priority: 1.5
    exit_codes: 0
    env: { A: [1] }
    depends_on: db
    backoff: { initial: 100 }
    ready: { tcp: 1 }
`),
    ).toEqual([
      '2:19 shutdown_timeout: expected a duration like 5s, got 8 (write 8s)',
      '3:19 log.max_bytes: expected a size like 10MB, got "lots"',
      '3:34 log.backups: expected a whole number, got "many"',
      '4:19 http.compress: expected true or false, got "yes"',
      '4:34 http.routes: expected a list, got a map',
      '7:14 programs.app.command: expected a command: a list like [redis-server, --port, "6379"] or a string, got a map',
      '8:16 programs.app.autostart: expected true or false, got "yes"',
      '9:15 programs.app.priority: expected a whole number, got 1.5',
      '10:17 programs.app.exit_codes: expected a list, got 0',
      '11:15 programs.app.env.A: expected a string, number or boolean, got a list',
      '12:17 programs.app.depends_on: expected a map of NAME: started | ready | completed, or a list of names, got "db"',
      '13:25 programs.app.backoff.initial: expected a duration like 5s, got 100 (write 100ms)',
      '14:19 programs.app.ready.tcp: expected a string, got 1',
    ]);
  });

  test('enum values get a did-you-mean', () => {
    expect(
      problems(`
log: { format: jsn }
programs:
  app:
    command: [app]
    kind: daemons
    restart: on_failure
    stop_signal: TREM
    depends_on: { db: redy }
  db:
    command: [db]
`),
    ).toEqual([
      '2:16 log.format: expected one of json, pretty; got "jsn" (did you mean "json"?)',
      '6:11 programs.app.kind: expected one of daemon, oneshot; got "daemons" (did you mean "daemon"?)',
      '7:14 programs.app.restart: expected one of always, on-failure, never; got "on_failure" (did you mean "on-failure"?)',
      '8:18 programs.app.stop_signal: expected one of TERM, INT, QUIT, HUP, KILL, USR1, USR2, SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGKILL, SIGUSR1, SIGUSR2; got "TREM" (did you mean "TERM"?)',
      '9:23 programs.app.depends_on.db: expected one of started, ready, completed; got "redy" (did you mean "ready"?)',
    ]);
  });

  test('ranges and emptiness', () => {
    expect(
      problems(`
programs:
  app:
    command: []
    exit_codes: [0, 256, 0]
    start_retries: -1
    ready: { http: "http://127.0.0.1:1/", expect: 42 }
  other:
    command: ""
`),
    ).toEqual([
      '4:14 programs.app.command: must not be empty',
      '5:17 programs.app.exit_codes: has duplicate entries (items 0 and 2)',
      '5:21 programs.app.exit_codes[1]: must be <= 255, got 256',
      '6:20 programs.app.start_retries: must be >= 0, got -1',
      '7:51 programs.app.ready.expect: must be >= 100, got 42',
      '9:14 programs.other.command: must not be empty',
    ]);
  });

  test('an empty value is described as such', () => {
    expect(problems('programs:\n  app:\n    command:\n')).toEqual([
      '3:5 programs.app.command: expected a command: a list like [redis-server, --port, "6379"] or a string, got nothing (an empty value)',
    ]);
  });
});
