// The JSON Schema (draft-07) of config/appos.yaml: what `apposd schema` prints for editors and
// what the loader validates against, plus the raw (as-written) TypeScript shape it describes.
import { PASS_ENV_PATTERN } from './program-env.js';
import { bool, duration, int, probeSchema, programSchema, size, str } from './schema-program.js';
import { DURATION_PATTERN, SIZE_PATTERN } from './units.js';
import { DEFAULT_SOCKET } from '../wire/shapes.js';

export { STOP_SIGNALS } from './schema-program.js';

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
  passEnv: 'a list of variable names or globs like [PB_SUPERUSER_*]',
};

const routeSchema = {
  type: 'object',
  description: 'A path prefix served by an upstream or a static directory.',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: str(
      'Path prefix, starting with "/". The longest matching prefix wins. Required.',
      '/api',
    ),
    upstream: str('Proxy to this http(s) URL.', 'http://127.0.0.1:8080'),
    program: str('The program behind the upstream: its state explains a 502/503.', 'backend'),
    websocket: bool('Upstream routes: also proxy websocket upgrades. Default: false.', true),
    hold: duration(
      'Upstream routes: while `program` restarts, requests wait this long. Default: none (503 at once).',
      '5s',
    ),
    strip_prefix: bool('Upstream routes: remove `path` before proxying. Default: false.', true),
    unhealthy_after: {
      type: 'integer',
      minimum: 0,
      description:
        'Upstream routes with `program`: this many timeouts, resets or refusals in a row mark the program unhealthy and restart it, like a failed live probe. 0: never. Default: 5.',
      examples: [3],
    },
    static: str(
      "Serve files from this directory (relative: to apposd's working directory).",
      '/appos/web',
    ),
    spa: bool('Static routes: unknown paths serve index.html. Default: false.', true),
    probe: {
      $ref: '#/definitions/probe',
      description:
        'Upstream routes apposd does not supervise: an active probe whose state drives the 503, hold, /api/health and status.',
      examples: [{ http: 'http://backend:8080/healthz' }],
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
    data_dir: str(
      "Where programs keep their data (relative: to apposd's working directory).",
      '/appos/data',
    ),
    shutdown_timeout: duration('Global deadline for a graceful shutdown. Default: 8s.', '8s'),
    pass_env: {
      $ref: '#/definitions/passEnv',
      description:
        'apposd\'s variables every program inherits besides PATH, HOME, USER, LOGNAME, LANG, LC_*, TZ. ["*"]: all. Default: none.',
      examples: [['PB_SUPERUSER_*', 'APP_SECRET']],
    },
    log: {
      type: 'object',
      description: 'apposd and program logs.',
      additionalProperties: false,
      properties: {
        format: {
          enum: ['json', 'pretty'],
          description: 'The format of the lines on stdout. Default: pretty on a TTY, else json.',
          examples: ['json'],
        },
        level: {
          enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'],
          description: "apposd's own log level. Default: info.",
          examples: ['debug'],
        },
        dir: str('One rotating log file per program here; absent: no files.', '/appos/data/logs'),
        max_bytes: size('Rotate a program log at this size. Default: 10MB.', '10MB'),
        tail_bytes: size(
          'Program output kept in memory per program for appos-ctl tail (half per stream). Default: 1MB.',
          '1MB',
        ),
        backups: int('Rotated files kept per program. Default: 3.', 0, 5),
      },
      examples: [{ format: 'json', level: 'info', dir: '/appos/data/logs' }],
    },
    control: {
      type: 'object',
      description: 'The control socket appos-ctl talks to.',
      additionalProperties: false,
      properties: {
        socket: str(
          `Unix socket path. Default: $APPOS_CTL_SOCKET, else ${DEFAULT_SOCKET}.`,
          DEFAULT_SOCKET,
        ),
      },
      examples: [{ socket: DEFAULT_SOCKET }],
    },
    http: {
      type: 'object',
      description: 'The public HTTP listener; absent: none.',
      additionalProperties: false,
      properties: {
        listen: str(
          'host:port, e.g. 0.0.0.0:80, 127.0.0.1:8080, [::]:80, :80. Default: 0.0.0.0:80.',
          '127.0.0.1:8000',
        ),
        max_body: size('Largest request body. Default: 100MB.', '100MB'),
        compress: bool('Compress responses. Default: true.', false),
        access_log: bool('Log every request. Default: true.', false),
        max_connections: int(
          'Most open client connections; past it idle keep-alive ones close first, then new ones are refused. Default: half the descriptor limit left after 256.',
          1,
          4096,
        ),
        routes: {
          type: 'array',
          description: 'Longest matching prefix wins; /api/health is built in.',
          items: { $ref: '#/definitions/route' },
          examples: [[{ path: '/api', upstream: 'http://127.0.0.1:8080', program: 'backend' }]],
        },
      },
      examples: [{ listen: '0.0.0.0:80', max_body: '100MB' }],
    },
    backups: {
      type: 'object',
      description: 'Consistent backups of the programs that declare `backup:`, plus files.',
      additionalProperties: false,
      properties: {
        dir: str('Where archives go. Default: <data_dir>/backups.', '/appos/data/backups'),
        schedule: str('Take one on this cron (5 or 6 fields, @daily, ...) in TZ.', '0 3 * * *'),
        keep: int('Archives kept; older ones go after a backup succeeded. Default: 7.', 1, 7),
        files: {
          type: 'array',
          description: 'Files or directories to include, relative to data_dir.',
          items: { type: 'string', pattern: '\\S' },
          examples: [['secret.key', 'apps']],
        },
      },
      examples: [{ dir: '/appos/data/backups', schedule: '0 3 * * *', keep: 7 }],
    },
    programs: {
      type: 'object',
      description: 'The supervised programs by name ([A-Za-z0-9_.-]+).',
      additionalProperties: { $ref: '#/definitions/program' },
      examples: [{ redis: { command: ['redis-server', '--port', '6379'] } }],
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
      description:
        'A command: an argv list like [redis-server, --port, "6379"], or a string split like a shell would (no shell is run).',
      minItems: 1,
      items: { type: ['string', 'number'] },
    },
    envValue: {
      type: ['string', 'number', 'boolean'],
      description: 'An environment value; numbers and booleans become their text.',
    },
    passEnv: {
      type: 'array',
      description: 'Variable names or globs (* any run, ? one character).',
      items: { type: 'string', pattern: PASS_ENV_PATTERN },
      uniqueItems: true,
    },
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
