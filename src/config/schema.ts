// The JSON Schema (draft-07) of config/appos.yaml: what `apposd schema` prints for editors and
// what the loader validates against, plus the raw (as-written) TypeScript shape it describes.
import { DURATION_PATTERN, SIZE_PATTERN } from './units.js';

/** Signal names accepted by `stop_signal`, without the SIG prefix. */
export const STOP_SIGNALS = ['TERM', 'INT', 'QUIT', 'HUP', 'KILL', 'USR1', 'USR2'] as const;

/** Probe kinds; a probe names exactly one of them. */
export const PROBE_KINDS = ['tcp', 'http', 'exec', 'redis', 'pocketbase'] as const;

/** What each reusable definition expects, in words, for error messages. */
export const DEFINITION_WORDS: Readonly<Record<string, string>> = {
  duration: 'a duration like 5s',
  size: 'a size like 10MB',
  command: 'a command: a list like [redis-server, --port, "6379"] or a string',
  dependsOn: 'a map of NAME: started | ready | completed, or a list of names',
  envValue: 'a string, number or boolean',
  probe: 'a probe like { tcp: "127.0.0.1:6379" }',
};

const duration = (description: string, example: string) => ({
  $ref: '#/definitions/duration',
  description: `${description} Example: ${example}.`,
});
const size = (description: string, example: string) => ({
  $ref: '#/definitions/size',
  description: `${description} Example: ${example}.`,
});
const bool = (description: string) => ({ type: 'boolean', description });
const str = (description: string) => ({ type: 'string', description });

const probeSchema = {
  type: 'object',
  description:
    'A health probe with exactly one kind: tcp, http, exec, redis or pocketbase, plus options.',
  additionalProperties: false,
  properties: {
    tcp: str('Passes when a TCP connection to "host:port" opens.'),
    http: str('Passes when GET of this http(s) URL answers 2xx/3xx (or `expect`).'),
    expect: {
      type: 'integer',
      minimum: 100,
      maximum: 599,
      description: 'http probes only: the exact status code expected.',
    },
    exec: {
      $ref: '#/definitions/command',
      description: 'Passes when this command exits 0 (argv list or a string, never a shell).',
    },
    redis: str('Passes when PING at this redis:// URL answers PONG (not LOADING).'),
    pocketbase: str("Passes when the PocketBase SDK's health check at this URL succeeds."),
    interval: duration('Time between checks. Default: 1s for ready, 10s for live.', '2s'),
    timeout: duration('Time one check may take. Default: 1s.', '500ms'),
    retries: {
      type: 'integer',
      minimum: 1,
      description: 'Consecutive failures before a live probe marks the program unhealthy.',
    },
    initial_delay: duration('Wait this long after spawn before the first check.', '2s'),
  },
};

const programSchema = {
  type: 'object',
  description: 'One supervised program.',
  additionalProperties: false,
  required: ['command'],
  properties: {
    command: {
      $ref: '#/definitions/command',
      description:
        'argv list, or a string split like a shell would (no shell is run: use [sh, -c, ...]).',
    },
    cwd: str("Working directory (relative: to apposd's working directory)."),
    env: {
      type: 'object',
      description: 'Environment variables on top of env_file and the inherited environment.',
      additionalProperties: { $ref: '#/definitions/envValue' },
    },
    env_file: str('KEY=VALUE file (relative: to the config file), applied before `env`.'),
    user: { type: ['string', 'integer'], description: 'Run as this user (name or uid).' },
    group: { type: ['string', 'integer'], description: 'Run with this group (name or gid).' },
    priority: { type: 'integer', description: 'Lower starts first (after dependencies). 100.' },
    depends_on: {
      $ref: '#/definitions/dependsOn',
      description: 'Wait for these first: NAME: started | ready | completed, or a list (ready).',
    },
    autostart: bool('Start with apposd. Default: true.'),
    kind: {
      enum: ['daemon', 'oneshot'],
      description: 'daemon (default) keeps running; oneshot runs to completion.',
    },
    restart: {
      enum: ['always', 'on-failure', 'never'],
      description: 'Default: always for daemons, on-failure for oneshots.',
    },
    exit_codes: {
      type: 'array',
      description: 'Exit codes that count as expected. Default: [0].',
      items: { type: 'integer', minimum: 0, maximum: 255 },
      minItems: 1,
      uniqueItems: true,
    },
    start_seconds: duration('Up this long counts as a successful start. Default: 1s.', '1s'),
    start_timeout: duration(
      'With a ready probe: a start that is not ready this long counts as failed. Default: 60s.',
      '60s',
    ),
    start_retries: {
      type: 'integer',
      minimum: 0,
      description: 'Failed starts in a row before FATAL. Default: 3.',
    },
    backoff: {
      type: 'object',
      description: 'Delay between restarts, doubling, reset once a start sticks.',
      additionalProperties: false,
      properties: {
        initial: duration('First delay. Default: 200ms.', '200ms'),
        max: duration('Longest delay. Default: 30s.', '30s'),
      },
    },
    stop_signal: {
      enum: [...STOP_SIGNALS, ...STOP_SIGNALS.map((s) => `SIG${s}`)],
      description: 'Signal sent to the process group to stop. Default: TERM.',
    },
    stop_timeout: duration('Then SIGKILL of the whole tree. Default: 5s.', '5s'),
    critical: bool('When it goes FATAL, or exits for good, apposd stops all and exits 1.'),
    ready: { $ref: '#/definitions/probe', description: 'Readiness probe, checked while starting.' },
    live: { $ref: '#/definitions/probe', description: 'Liveness probe, checked while running.' },
    image: str(
      '`apposd export` only: the container image of this program. Default: the AppOS image.',
    ),
  },
};

const routeSchema = {
  type: 'object',
  description: 'A path prefix served by an upstream or a static directory.',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: str('Path prefix, starting with "/". The longest matching prefix wins.'),
    upstream: str('Proxy to this http(s) URL.'),
    program: str('The program behind the upstream: its state explains a 502/503.'),
    websocket: bool('Upstream routes: also proxy websocket upgrades. Default: false.'),
    hold: duration('Upstream routes: while `program` restarts, requests wait this long.', '5s'),
    strip_prefix: bool('Upstream routes: remove `path` before proxying. Default: false.'),
    static: str("Serve files from this directory (relative: to apposd's working directory)."),
    spa: bool('Static routes: unknown paths serve index.html. Default: false.'),
    probe: {
      $ref: '#/definitions/probe',
      description:
        'Upstream routes apposd does not supervise: an active probe whose state drives the 503, hold, /api/health and status.',
    },
  },
};

const schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'apposd config',
  description:
    'config/appos.yaml for apposd. Values may use ${VAR}, ${VAR:-default}, ${VAR:?message}; $$ is a literal $.',
  type: 'object',
  additionalProperties: false,
  patternProperties: {
    '^x-': { description: 'Extension fields, ignored: a place for YAML anchors.' },
  },
  properties: {
    data_dir: str("Where programs keep their data (relative: to apposd's working directory)."),
    shutdown_timeout: duration('Global deadline for a graceful shutdown. Default: 8s.', '8s'),
    log: {
      type: 'object',
      description: 'apposd and program logs.',
      additionalProperties: false,
      properties: {
        format: {
          enum: ['json', 'pretty'],
          description: 'Default: pretty on a TTY, else json.',
        },
        level: {
          enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'],
          description: 'Default: info.',
        },
        dir: str('One rotating log file per program here; absent: no files.'),
        max_bytes: size('Rotate a program log at this size. Default: 10MB.', '10MB'),
        backups: {
          type: 'integer',
          minimum: 0,
          description: 'Rotated files kept per program. Default: 3.',
        },
      },
    },
    control: {
      type: 'object',
      description: 'The control socket appos-ctl talks to.',
      additionalProperties: false,
      properties: {
        socket: str('Unix socket path. Default: $APPOS_CTL_SOCKET, else /run/appos/ctl.sock.'),
      },
    },
    http: {
      type: 'object',
      description: 'The public HTTP listener; absent: none.',
      additionalProperties: false,
      properties: {
        listen: str(
          'host:port, e.g. 0.0.0.0:80, 127.0.0.1:8080, [::]:80, :80. Default: 0.0.0.0:80.',
        ),
        max_body: size('Largest request body. Default: 100MB.', '100MB'),
        compress: bool('Compress responses. Default: true.'),
        access_log: bool('Log every request. Default: true.'),
        routes: {
          type: 'array',
          description: 'Longest matching prefix wins; /api/health is built in.',
          items: { $ref: '#/definitions/route' },
        },
      },
    },
    programs: {
      type: 'object',
      description: 'The supervised programs by name ([A-Za-z0-9_.-]+).',
      additionalProperties: { $ref: '#/definitions/program' },
    },
  },
  definitions: {
    duration: {
      type: 'string',
      pattern: DURATION_PATTERN,
      description: 'A duration: 500ms, 5s, 2m, 1h, 1m30s.',
    },
    size: {
      type: ['string', 'integer'],
      pattern: SIZE_PATTERN,
      minimum: 0,
      description: 'A size, 1024-based: 100B, 512KB, 10MB, 1GB, or a number of bytes.',
    },
    command: {
      type: ['string', 'array'],
      minLength: 1,
      minItems: 1,
      items: { type: ['string', 'number'] },
    },
    envValue: { type: ['string', 'number', 'boolean'] },
    dependsOn: {
      type: ['object', 'array'],
      description: 'Programs to wait for: NAME: started | ready | completed, or a list (ready).',
      additionalProperties: { enum: ['started', 'ready', 'completed'] },
      items: { type: 'string' },
      uniqueItems: true,
    },
    probe: probeSchema,
    program: programSchema,
    route: routeSchema,
  },
} as const;

/** The config file's JSON Schema (draft-07), for `apposd schema` and editors. A fresh copy. */
export function jsonSchema(): Record<string, unknown> {
  return structuredClone(schema) as unknown as Record<string, unknown>;
}

/** The schema object the validator compiles (shared, do not mutate). */
export const CONFIG_SCHEMA: Readonly<Record<string, unknown>> = schema;

type Duration = string;
type Size = string | number;
type Command = string | readonly (string | number)[];

/** A probe as written in the file. */
export interface RawProbe {
  tcp?: string;
  http?: string;
  expect?: number;
  exec?: Command;
  redis?: string;
  pocketbase?: string;
  interval?: Duration;
  timeout?: Duration;
  retries?: number;
  initial_delay?: Duration;
}

/** A program as written in the file. */
export interface RawProgram {
  command: Command;
  cwd?: string;
  env?: Record<string, string | number | boolean>;
  env_file?: string;
  user?: string | number;
  group?: string | number;
  priority?: number;
  depends_on?: Record<string, 'started' | 'ready' | 'completed'> | string[];
  autostart?: boolean;
  kind?: 'daemon' | 'oneshot';
  restart?: 'always' | 'on-failure' | 'never';
  exit_codes?: number[];
  start_seconds?: Duration;
  start_timeout?: Duration;
  start_retries?: number;
  backoff?: { initial?: Duration; max?: Duration };
  stop_signal?: string;
  stop_timeout?: Duration;
  critical?: boolean;
  ready?: RawProbe;
  live?: RawProbe;
  image?: string;
}

/** A route as written in the file. */
export interface RawRoute {
  path: string;
  upstream?: string;
  program?: string;
  websocket?: boolean;
  hold?: Duration;
  strip_prefix?: boolean;
  static?: string;
  spa?: boolean;
  probe?: RawProbe;
}

/** The whole file as written (after interpolation), once it passed the schema. */
export interface RawConfig {
  data_dir?: string;
  shutdown_timeout?: Duration;
  log?: {
    format?: 'json' | 'pretty';
    level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
    dir?: string;
    max_bytes?: Size;
    backups?: number;
  };
  control?: { socket?: string };
  http?: {
    listen?: string;
    max_body?: Size;
    compress?: boolean;
    access_log?: boolean;
    routes?: RawRoute[];
  };
  programs?: Record<string, RawProgram>;
}
