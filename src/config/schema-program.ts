// The JSON Schema (draft-07) of one program and of its probes, part of the config schema
// (schema.ts), and the helpers that give each key its description and an example.

/** Signal names accepted by `stop_signal`, without the SIG prefix. */
export const STOP_SIGNALS = ['TERM', 'INT', 'QUIT', 'HUP', 'KILL', 'USR1', 'USR2'] as const;

/** A duration key with its description and one example (shown in docs/configuration.md). */
export const duration = (description: string, example: string) => ({
  $ref: '#/definitions/duration',
  description,
  examples: [example],
});
/** A size key with its description and one example. */
export const size = (description: string, example: string) => ({
  $ref: '#/definitions/size',
  description,
  examples: [example],
});
/** A boolean key with its description and one example (docs/configuration.md wants one). */
export const bool = (description: string, example?: boolean) => ({
  type: 'boolean',
  description,
  ...(example === undefined ? {} : { examples: [example] }),
});
/** A string key with its description and one example (docs/configuration.md wants one). */
export const str = (description: string, example?: string) => ({
  type: 'string',
  description,
  ...(example === undefined ? {} : { examples: [example] }),
});

/** An integer key with its minimum, description and one example. */
export const int = (description: string, minimum: number, example: number) => ({
  type: 'integer',
  minimum,
  description,
  examples: [example],
});

/** The schema of a probe. */
export const probeSchema = {
  type: 'object',
  description:
    'A health probe with exactly one kind: tcp, http, exec, redis or pocketbase, plus options.',
  additionalProperties: false,
  properties: {
    tcp: str('Passes when a TCP connection to "host:port" opens.', '127.0.0.1:6379'),
    http: str(
      'Passes when GET of this http(s) URL answers 2xx/3xx (or `expect`).',
      'http://127.0.0.1:8080/healthz',
    ),
    expect: {
      type: 'integer',
      minimum: 100,
      maximum: 599,
      description: 'http probes only: the exact status code expected.',
      examples: [204],
    },
    exec: {
      $ref: '#/definitions/command',
      description: 'Passes when this command exits 0 (argv list or a string, never a shell).',
      examples: [['redis-cli', 'ping']],
    },
    redis: str(
      'Passes when PING at this redis:// URL answers PONG (not LOADING).',
      'redis://127.0.0.1:6379',
    ),
    pocketbase: str(
      "Passes when the PocketBase SDK's health check at this URL succeeds.",
      'http://127.0.0.1:8090',
    ),
    interval: duration('Time between checks. Default: 1s for ready, 10s for live.', '2s'),
    timeout: duration('Time one check may take. Default: 1s.', '500ms'),
    retries: {
      type: 'integer',
      minimum: 1,
      description:
        'Consecutive failures before a live probe marks the program unhealthy. Default: 3.',
      examples: [5],
    },
    initial_delay: duration('Wait this long after spawn before the first check. Default: 0.', '2s'),
  },
};

/** The schema of one program. */
export const programSchema = {
  type: 'object',
  description: 'One supervised program.',
  additionalProperties: false,
  required: ['command'],
  properties: {
    command: {
      $ref: '#/definitions/command',
      description:
        'argv list, or a string split like a shell would (no shell is run: use [sh, -c, ...]). Required.',
      examples: [['redis-server', '--port', '6379']],
    },
    cwd: str("Working directory (relative: to apposd's working directory).", '/appos/data'),
    pass_env: {
      $ref: '#/definitions/passEnv',
      description:
        "Also inherit these of apposd's variables (names or globs), added to the top level's. Default: none.",
      examples: [['GOMAXPROCS', 'GODEBUG']],
    },
    env: {
      type: 'object',
      description: 'Environment variables on top of env_file and the inherited environment.',
      additionalProperties: { $ref: '#/definitions/envValue' },
      examples: [{ REDIS_ADDR: '127.0.0.1:6379' }],
    },
    env_file: str(
      'KEY=VALUE file (relative: to the config file), applied before `env`.',
      'backend.env',
    ),
    user: {
      type: ['string', 'integer'],
      description: "Run as this user (name or uid). Default: apposd's user.",
      examples: ['appos'],
    },
    group: {
      type: ['string', 'integer'],
      description: "Run with this group (name or gid). Default: the user's group.",
      examples: ['appos'],
    },
    priority: {
      type: 'integer',
      description: 'Lower starts first (after dependencies) and stops last. Default: 100.',
      examples: [10],
    },
    depends_on: {
      $ref: '#/definitions/dependsOn',
      description: 'Wait for these first: NAME: started | ready | completed, or a list (ready).',
      examples: [{ redis: 'ready', migrate: 'completed' }],
    },
    autostart: bool('Start with apposd. Default: true.', false),
    kind: {
      enum: ['daemon', 'oneshot'],
      description:
        'daemon keeps running; oneshot runs to completion (then it is completed and ready). Default: daemon.',
      examples: ['oneshot'],
    },
    restart: {
      enum: ['always', 'on-failure', 'never'],
      description:
        'When an exit is followed by a restart. Default: always for daemons, on-failure for oneshots.',
      examples: ['on-failure'],
    },
    exit_codes: {
      type: 'array',
      description: 'Exit codes that count as expected. Default: [0].',
      items: { type: 'integer', minimum: 0, maximum: 255 },
      minItems: 1,
      uniqueItems: true,
      examples: [[0, 2]],
    },
    start_seconds: duration('Up this long counts as a successful start. Default: 1s.', '3s'),
    start_timeout: duration(
      'With a ready probe: a start that is not ready this long counts as failed. Default: 60s.',
      '2m',
    ),
    start_retries: {
      type: 'integer',
      minimum: 0,
      description: 'Failed starts in a row before FATAL. Default: 3.',
      examples: [5],
    },
    backoff: {
      type: 'object',
      description: 'Delay between restarts, doubling, reset once a start sticks.',
      additionalProperties: false,
      properties: {
        initial: duration('First delay. Default: 200ms.', '500ms'),
        max: duration('Longest delay. Default: 30s.', '1m'),
      },
      examples: [{ initial: '500ms', max: '1m' }],
    },
    stop_signal: {
      enum: [...STOP_SIGNALS, ...STOP_SIGNALS.map((s) => `SIG${s}`)],
      description: 'Signal sent to the process group to stop. Default: TERM.',
      examples: ['INT'],
    },
    stop_timeout: duration('Then SIGKILL of the whole tree. Default: 5s.', '3s'),
    critical: bool(
      'When it goes FATAL, or exits for good, apposd stops all and exits 1. Default: false.',
      true,
    ),
    ready: {
      $ref: '#/definitions/probe',
      description: 'Readiness probe, checked while starting. Default: none (ready once started).',
      examples: [{ redis: 'redis://127.0.0.1:6379' }],
    },
    live: {
      $ref: '#/definitions/probe',
      description: 'Liveness probe, checked while running. Default: none.',
      examples: [{ http: 'http://127.0.0.1:8080/healthz', interval: '10s' }],
    },
    image: str(
      '`apposd export` only: the container image of this program. Default: the AppOS image.',
      'ghcr.io/appos/backend:1.4',
    ),
    schedule: str(
      'oneshot only: run it on this cron (5 or 6 fields, @hourly, @daily, @weekly) in TZ.',
      '0 3 * * *',
    ),
    schedule_missed: {
      enum: ['skip', 'run_once'],
      description:
        'A scheduled time that passed while apposd was down: skip (default) or run_once.',
      examples: ['run_once'],
    },
    backup: {
      type: 'object',
      description: "How this program's data is copied consistently while it runs (one kind).",
      additionalProperties: false,
      properties: {
        redis: str(
          'BGSAVE at this redis:// URL, wait for LASTSAVE, copy the snapshot.',
          'redis://127.0.0.1:6379',
        ),
        pocketbase: str(
          'pb_data directory: online SQLite backup of its *.db, plus storage/.',
          '/appos/data/pocketbase',
        ),
        sqlite: str('An SQLite file, copied with the online backup API.', '/appos/data/appos.db'),
        files: {
          type: 'array',
          description: 'Files or directories, copied as they are.',
          items: { type: 'string', pattern: '\\S' },
          minItems: 1,
          examples: [['secret.key']],
        },
      },
      examples: [{ redis: 'redis://127.0.0.1:6379' }],
    },
  },
};
