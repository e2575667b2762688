// Turns the validated file into the resolved AppConfig: defaults filled in, durations in ms,
// sizes in bytes, commands as argv. Paths stay as written (relative ones are relative to
// apposd's working directory, like paths in argv), except env_file: to the config file.
import { DEFAULT_SOCKET } from '../wire/shapes.js';
import { dirname, resolve } from 'node:path';
import { normalizeBackups, normalizeSchedules } from './normalize-data.js';
import { parseHostPort } from './address.js';
import { parseCommand } from './command.js';
import { inheritedEnv } from './program-env.js';
import type { RawConfig, RawProbe, RawProgram, RawRoute } from './raw-config.js';
import { PROBE_KINDS } from './schema.js';
import { dependencies } from './shape.js';
import type {
  AppConfig,
  HttpConfig,
  ProbeConfig,
  ProbeKind,
  ProgramConfig,
  RouteConfig,
  UnsetVariable,
} from './types.js';
import { parseDuration, parseSize } from './units.js';

/** The defaults CONTRACT.md promises, in file units. */
export const DEFAULTS = {
  shutdownTimeout: '8s',
  socket: DEFAULT_SOCKET,
  listen: '0.0.0.0:80',
  maxBody: '100MB',
  logLevel: 'info',
  logMaxBytes: '10MB',
  logBackups: 3,
  logTailBytes: '1MB',
  unhealthyAfter: 5,
  priority: 100,
  exitCodes: [0],
  startSeconds: '1s',
  startTimeout: '60s',
  startRetries: 3,
  backoffInitial: '200ms',
  backoffMax: '30s',
  stopSignal: 'TERM',
  stopTimeout: '5s',
  readyInterval: '1s',
  liveInterval: '10s',
  probeTimeout: '1s',
  probeRetries: 3,
  probeInitialDelay: '0s',
} as const;

/** What normalizing needs besides the file's content. */
export interface NormalizeInput {
  readonly file: string;
  readonly raw: RawConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Variables read from each program's env_file, by program name. */
  readonly envFiles: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly warnings: readonly string[];
  readonly unset: readonly UnsetVariable[];
}

/** Builds the resolved config. Assumes the schema and semantic checks passed. */
export function normalize(input: NormalizeInput): AppConfig {
  const { raw, file } = input;
  return {
    file,
    dataDir: raw.data_dir,
    shutdownTimeoutMs: parseDuration(raw.shutdown_timeout ?? DEFAULTS.shutdownTimeout),
    log: {
      format: raw.log?.format,
      level: raw.log?.level ?? DEFAULTS.logLevel,
      dir: raw.log?.dir,
      maxBytes: parseSize(raw.log?.max_bytes ?? DEFAULTS.logMaxBytes),
      backups: raw.log?.backups ?? DEFAULTS.logBackups,
      tailBytes: parseSize(raw.log?.tail_bytes ?? DEFAULTS.logTailBytes),
    },
    control: { socket: raw.control?.socket ?? (input.env.APPOS_CTL_SOCKET || DEFAULTS.socket) },
    http: raw.http === undefined ? undefined : normalizeHttp(raw.http),
    programs: Object.entries(raw.programs ?? {}).map(([name, program]) =>
      normalizeProgram(name, program, {
        configDir: dirname(file),
        fromFile: input.envFiles.get(name) ?? {},
        inherited: inheritedEnv(input.env, [...(raw.pass_env ?? []), ...(program.pass_env ?? [])]),
      }),
    ),
    schedules: normalizeSchedules(raw),
    backups: normalizeBackups(raw),
    loadWarnings: input.warnings,
    unsetVariables: input.unset,
  };
}

function normalizeHttp(http: NonNullable<RawConfig['http']>): HttpConfig {
  const listen = parseHostPort(http.listen ?? DEFAULTS.listen, '0.0.0.0');
  if ('error' in listen) throw new Error(`http.listen: ${listen.error}`);
  return {
    host: listen.host,
    port: listen.port,
    maxBody: parseSize(http.max_body ?? DEFAULTS.maxBody),
    compress: http.compress ?? true,
    accessLog: http.access_log ?? true,
    maxConnections: http.max_connections,
    routes: (http.routes ?? []).map(normalizeRoute),
  };
}

function normalizeRoute(route: RawRoute): RouteConfig {
  return {
    path: route.path,
    upstream: route.upstream,
    program: route.program,
    websocket: route.websocket ?? false,
    holdMs: route.hold === undefined ? undefined : parseDuration(route.hold),
    stripPrefix: route.strip_prefix ?? false,
    unhealthyAfter:
      route.upstream === undefined ? undefined : (route.unhealthy_after ?? DEFAULTS.unhealthyAfter),
    static: route.static,
    spa: route.spa ?? false,
    probe: route.probe === undefined ? undefined : normalizeProbe(route.probe, 'ready'),
  };
}

function argv(command: RawProgram['command']): string[] {
  const parsed = parseCommand(command);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.argv;
}

/** A program's environment inputs: what it inherits, and its env_file's variables. */
interface ProgramEnvInput {
  readonly configDir: string;
  readonly fromFile: Readonly<Record<string, string>>;
  readonly inherited: Readonly<Record<string, string>>;
}

function normalizeProgram(name: string, p: RawProgram, input: ProgramEnvInput): ProgramConfig {
  const { configDir, fromFile, inherited } = input;
  const kind = p.kind ?? 'daemon';
  const env: Record<string, string> = { ...fromFile };
  for (const [key, value] of Object.entries(p.env ?? {})) env[key] = String(value);
  const signal = p.stop_signal ?? DEFAULTS.stopSignal;
  return {
    name,
    command: argv(p.command),
    cwd: p.cwd,
    inherited,
    env,
    envFile: p.env_file === undefined ? undefined : resolve(configDir, p.env_file),
    user: p.user === undefined ? undefined : String(p.user),
    group: p.group === undefined ? undefined : String(p.group),
    priority: p.priority ?? DEFAULTS.priority,
    dependsOn: dependencies(name, p.depends_on).map((d) => ({
      name: d.name,
      condition: d.condition as 'started' | 'ready' | 'completed',
    })),
    // A scheduled job runs at its times, not when apposd starts (unless autostart says so).
    autostart: p.autostart ?? p.schedule === undefined,
    kind,
    restart: p.restart ?? (kind === 'oneshot' ? 'on-failure' : 'always'),
    exitCodes: p.exit_codes ?? [...DEFAULTS.exitCodes],
    startSecondsMs: parseDuration(p.start_seconds ?? DEFAULTS.startSeconds),
    startTimeoutMs: parseDuration(p.start_timeout ?? DEFAULTS.startTimeout),
    startRetries: p.start_retries ?? DEFAULTS.startRetries,
    backoff: {
      initialMs: parseDuration(p.backoff?.initial ?? DEFAULTS.backoffInitial),
      maxMs: parseDuration(p.backoff?.max ?? DEFAULTS.backoffMax),
    },
    stopSignal: (signal.startsWith('SIG') ? signal : `SIG${signal}`) as NodeJS.Signals,
    stopTimeoutMs: parseDuration(p.stop_timeout ?? DEFAULTS.stopTimeout),
    critical: p.critical ?? false,
    ready: p.ready === undefined ? undefined : normalizeProbe(p.ready, 'ready'),
    live: p.live === undefined ? undefined : normalizeProbe(p.live, 'live'),
    image: p.image,
  };
}

function normalizeProbe(probe: RawProbe, which: 'ready' | 'live'): ProbeConfig {
  const kind = PROBE_KINDS.find((k) => probe[k] !== undefined) as ProbeKind;
  const interval = which === 'ready' ? DEFAULTS.readyInterval : DEFAULTS.liveInterval;
  return {
    kind,
    target: kind === 'exec' ? '' : String(probe[kind]),
    argv: probe.exec === undefined ? [] : argv(probe.exec),
    expect: probe.expect,
    intervalMs: parseDuration(probe.interval ?? interval),
    timeoutMs: parseDuration(probe.timeout ?? DEFAULTS.probeTimeout),
    retries: probe.retries ?? DEFAULTS.probeRetries,
    initialDelayMs: parseDuration(probe.initial_delay ?? DEFAULTS.probeInitialDelay),
  };
}
