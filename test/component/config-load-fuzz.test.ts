// Fuzzing the config loader with fast-check (fixed seeds, bounded runs): random YAML text,
// random documents made of the schema's own keys with random values, and random environments.
// Whatever comes in, loadConfig returns a config or throws one ConfigError with a message and
// at least one problem (apposd's exit 78); never any other exception, never a hang.
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load.js';
import { formatPlan } from '../../src/config/plan.js';
import { startPlan } from '../../src/supervisor/order.js';
import { writeConfig } from '../helpers/config-file.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('apposd-fuzz-');
afterAll(() => dir.cleanup());
const FILE = writeConfig(dir.path, '', { 'app.env': 'A=1\nB="two"\n' });

/** Loads `text` with `env`; fails the property on anything but success or a ConfigError. */
function loadsCleanly(text: string, env: Record<string, string>): void {
  writeConfig(dir.path, text);
  try {
    const config = loadConfig(FILE, env);
    // What `apposd check` prints must not throw either.
    expect(formatPlan(config, startPlan(config.programs))).toContain('is valid');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    expect(err.problems.length).toBeGreaterThan(0);
    expect(err.format()).toMatch(/^invalid config .+ \(\d+ problems?\):\n {2}\S/);
  }
}

const TOKENS = [
  'programs:',
  'http:',
  'routes:',
  'log:',
  'control:',
  'pass_env:',
  'data_dir:',
  'shutdown_timeout:',
  'command:',
  'env:',
  'env_file: app.env',
  'depends_on:',
  'ready:',
  'live:',
  '  ',
  '    ',
  '- ',
  ': ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '"',
  "'",
  '&a ',
  '*a',
  '<<: *a',
  '!!str ',
  '!!binary ',
  '? ',
  '|',
  '>',
  '#',
  '---',
  '...',
  '${X}',
  '${X:-5s}',
  '${X:?need X}',
  '${',
  '$$',
  '$X',
  '5s',
  '10MB',
  '-1',
  '1e999',
  'null',
  '~',
  'true',
  'redis://u:p@127.0.0.1:1',
  'http://[::1]:8080/x',
  '127.0.0.1:99999',
  '/',
  '\n',
  '\t',
  '\u0000',
  'é',
];

const yamlText = fc
  .array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 8 })), { maxLength: 60 })
  .map((parts) => parts.join(''));

const envArb = fc.dictionary(
  fc.constantFrom('X', 'HOME', 'PATH', 'APPOS_CTL_SOCKET', 'SECRET'),
  fc.oneof(fc.constantFrom('', '5s', '8080', 'a b', '${X}', '[1]', '{a: 1}'), fc.string()),
);

// Values for the schema's keys: right kinds, wrong kinds and edge cases.
const scalar = fc.oneof(
  fc.constantFrom(
    '5s',
    '500ms',
    '0s',
    '10MB',
    'x',
    '',
    'TERM',
    'SIGKILL',
    'oneshot',
    'daemon',
    'always',
    'never',
    'ready',
    'completed',
    '127.0.0.1:8080',
    'http://127.0.0.1:1/',
    'redis://127.0.0.1:6379',
    '/api',
    '/',
    '*',
    'A_*',
    'a=b',
    '${X}',
    '${X:?}',
  ),
  fc.integer({ min: -2, max: 70000 }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 10 }),
);
const value = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(
      fc.constantFrom('tcp', 'http', 'exec', 'expect', 'initial', 'max', 'redis', 'a', 'b'),
      tie('v'),
      { maxKeys: 3 },
    ),
  ),
})).v;

const PROGRAM_KEYS = [
  'command',
  'cwd',
  'env',
  'env_file',
  'pass_env',
  'user',
  'group',
  'priority',
  'depends_on',
  'autostart',
  'kind',
  'restart',
  'exit_codes',
  'start_seconds',
  'start_retries',
  'backoff',
  'stop_signal',
  'stop_timeout',
  'critical',
  'ready',
  'live',
  'comand',
];
const program = fc.dictionary(fc.constantFrom(...PROGRAM_KEYS), value, { maxKeys: 8 });
const route = fc.dictionary(
  fc.constantFrom('path', 'upstream', 'program', 'websocket', 'hold', 'strip_prefix', 'static'),
  value,
  { maxKeys: 5 },
);
const document = fc.record(
  {
    data_dir: value,
    shutdown_timeout: value,
    pass_env: value,
    log: fc.dictionary(fc.constantFrom('format', 'level', 'dir', 'max_bytes', 'backups'), value, {
      maxKeys: 4,
    }),
    control: fc.dictionary(fc.constantFrom('socket'), value),
    http: fc.record(
      {
        listen: value,
        max_body: value,
        compress: value,
        routes: fc.array(route, { maxLength: 4 }),
      },
      { requiredKeys: [] },
    ),
    programs: fc.dictionary(
      fc.constantFrom('redis', 'backend', 'a', 'all', 'b c', 'x'),
      fc.oneof(program, value),
      { maxKeys: 4 },
    ),
  },
  { requiredKeys: [] },
);

describe('config loader fuzz', () => {
  test('random YAML text: a config or one ConfigError, nothing else', () => {
    fc.assert(
      fc.property(yamlText, envArb, (text, env) => loadsCleanly(text, env)),
      { seed: 1414, numRuns: 400 },
    );
  }, 90_000);

  test('random documents of the schema’s keys and values, as JSON and as YAML blocks', () => {
    fc.assert(
      fc.property(document, envArb, fc.boolean(), (doc, env, block) => {
        const json = JSON.stringify(doc);
        loadsCleanly(block ? toBlock(doc, 0) : json, env);
      }),
      { seed: 7, numRuns: 400 },
    );
  }, 90_000);
});

/** A plain YAML block rendering of JSON data (scalars as JSON, which YAML reads back). */
function toBlock(data: unknown, indent: number): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(data)) {
    if (data.length === 0) return '[]';
    return `\n${data.map((v) => `${pad}- ${toBlock(v, indent + 2).trimStart()}`).join('\n')}`;
  }
  if (data !== null && typeof data === 'object') {
    const entries = Object.entries(data);
    if (entries.length === 0) return '{}';
    return `\n${entries
      .map(([k, v]) => `${pad}${JSON.stringify(k)}: ${toBlock(v, indent + 2)}`)
      .join('\n')}`;
  }
  return JSON.stringify(data) ?? 'null';
}
