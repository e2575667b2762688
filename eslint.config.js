// Lint rules, including the import rules that keep the rooms of src/ apart (DESIGN.md): each
// third-party library has one home file in src/, and only the two composition roots touch process.
import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
});

/** The composition roots of the daemon and of the CLI: the only src files that touch process.*. */
const PROCESS_HOMES = ['src/main.ts', 'src/ctl.ts'];

/**
 * The one src file each package may be imported from (its room's adapter). Every package of
 * package.json is restricted in src/; one missing here has no home yet and is refused everywhere.
 */
const LIBRARY_HOMES = {
  '@fastify/compress': ['src/http/static/fastify.ts'],
  '@fastify/static': ['src/http/static/fastify.ts'],
  ajv: ['src/config/validate-schema.ts'],
  'better-sqlite3': ['src/backup/sqlite.ts'],
  croner: ['src/config/cron.ts'],
  'fastest-levenshtein': ['src/config/suggest.ts'],
  fastify: ['src/http/static/fastify.ts'],
  koffi: ['src/supervisor/reaper.ts'],
  pino: ['src/log/pino.ts'],
  'pino-pretty': ['src/log/pino.ts'],
  'rotating-file-stream': ['src/log/file-sink.ts'],
  'shell-quote': ['src/config/command.ts'],
  tar: ['src/backup/archive.ts'],
  undici: ['src/http/proxy/fallback/undici.ts'],
  yaml: ['src/config/yaml.ts'],
};

/**
 * The files that may import node:module: those that load packages with its createRequire, which
 * the import rule does not see (the homes of koffi, pino-pretty, undici, @fastify/static), and
 * src/entry.ts, which turns on its compile cache.
 */
const REQUIRE_HOMES = [
  'src/entry.ts',
  'src/log/pino.ts',
  'src/supervisor/reaper.ts',
  'src/http/static/file-cache.ts',
  'src/http/proxy/fallback/undici.ts',
];

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const packages = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)].sort();
const homes = new Map(); // file -> the packages it may import
for (const name of packages) {
  for (const file of LIBRARY_HOMES[name] ?? []) homes.set(file, [...(homes.get(file) ?? []), name]);
}
for (const file of PROCESS_HOMES) homes.set(file, [...(homes.get(file) ?? []), 'process']);
for (const file of REQUIRE_HOMES) homes.set(file, [...(homes.get(file) ?? []), 'node:module']);

/** The library rule for a file that may import `allowed`: every other package is refused. */
function libraryRule(allowed) {
  const patterns = packages
    .filter((name) => !allowed.includes(name))
    .map((name) => ({
      group: [name, `${name}/*`],
      message: `${name} has one home in src/: ${(LIBRARY_HOMES[name] ?? ['none yet']).join(', ')} (eslint.config.js)`,
    }));
  if (!allowed.includes('process')) {
    patterns.push({
      group: ['process', 'node:process'],
      message: `only ${PROCESS_HOMES.join(' and ')} touch process: take what you need as arguments`,
    });
  }
  if (!allowed.includes('node:module')) {
    patterns.push({
      group: ['module', 'node:module'],
      message: `createRequire loads packages past this rule: only ${REQUIRE_HOMES.join(', ')} use it`,
    });
  }
  return { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] };
}

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'lib/',
      'node_modules/',
      'coverage/',
      '.appos-data/',
      'bench/results/',
      'src/config/schema-validator.generated.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['src/config/**'],
    rules: restrict([
      {
        group: ['../supervisor/*', '../probes/*', '../http/*', '../control/*', '../log/*'],
        message: 'config imports nothing of ours',
      },
    ]),
  },
  {
    files: ['src/supervisor/**'],
    rules: restrict([
      {
        group: [
          'fastify',
          'http-proxy',
          'undici',
          'pino',
          'pino-pretty',
          '../http/*',
          '../control/*',
          '../log/*',
        ],
        message:
          'the supervisor emits events; it knows nothing of HTTP, control or logging libraries',
      },
    ]),
  },
  {
    files: ['src/probes/**'],
    rules: restrict([
      {
        group: ['../supervisor/*', '../http/*', '../control/*', '../log/*'],
        message: 'probes import only config types',
      },
    ]),
  },
  {
    files: [
      'src/ctl.ts',
      'src/cli/**',
      'src/control/client.ts',
      'src/control/format.ts',
      'src/control/protocol.ts',
    ],
    rules: restrict([
      {
        group: [
          'fastify',
          'pino',
          'pino-pretty',
          '../supervisor/*',
          './supervisor/*',
          '../http/*',
          './http/*',
          '../log/*',
          './log/*',
        ],
        message: 'the CLI stays small and fast to start',
      },
    ]),
  },
  {
    // The unit tier is pure: no process, no socket (vitest.config.ts). Such tests go to
    // test/component or test/daemon.
    files: ['test/unit/**'],
    rules: restrict([
      {
        group: [
          'node:child_process',
          'node:net',
          'node:http',
          'node:https',
          'node:tls',
          'ws',
          '**/helpers/http-upstreams.js',
          '**/helpers/edge-sockets.js',
          '**/helpers/run-ctl.js',
          '**/fixtures/probes/servers.js',
        ],
        message: 'a unit test starts no process and opens no socket: put it in test/component',
      },
    ]),
  },
  {
    files: ['src/**/*.ts'],
    ignores: PROCESS_HOMES,
    rules: {
      'no-restricted-globals': [
        'error',
        {
          name: 'process',
          message: `only ${PROCESS_HOMES.join(' and ')} touch process: take what you need as arguments`,
        },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'globalThis',
          property: 'process',
          message: 'only main.ts and ctl.ts touch process',
        },
      ],
    },
  },
  { files: ['src/**/*.ts'], rules: libraryRule([]) },
  ...[...homes].map(([file, allowed]) => ({ files: [file], rules: libraryRule(allowed) })),
);
