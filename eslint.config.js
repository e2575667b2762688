// Lint rules, including the import rules that keep the rooms of src/ apart (DESIGN.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
});

export default tseslint.config(
  {
    ignores: [
      'dist/',
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
);
