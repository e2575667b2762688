// The control API's handlers (protocol.ts ROUTES) as a table keyed by "METHOD /path": status,
// actions, journal, log tails and follows, reload, shutdown, health and version.
import type { ServerResponse } from 'node:http';
import { handleBackup, handleBackups, handleRestore } from '../backup/control.js';
import type { BackupService } from '../backup/service.js';
import { API_ERRORS } from '../errors.js';
import type { Host } from '../host.js';
import type { LogApi } from '../log/api.js';
import type { ActionResult, ReloadResult, SupervisorApi } from '../supervisor/api.js';
import type { UpstreamSource } from '../upstreams/api.js';
import { runAction, type ActionVerb } from './actions.js';
import { ApiError, badRequest } from './api-error.js';
import type { Query } from './exchange.js';
import { assertKnown, selectPrograms } from './names.js';
import {
  ALL,
  ROUTES,
  type ActionResponse,
  type ActionResultView,
  type FollowMessage,
  type JournalResponse,
  type LogsResponse,
  type ReloadResponse,
  type ShutdownResponse,
  type StatusResponse,
  type VersionResponse,
  type DoctorResponse,
} from './protocol.js';
import {
  actionBody,
  integer,
  optionalString,
  signalBody,
  streamName,
  stringList,
} from './request.js';
import { healthView, journalView, logLineView, programView, upstreamView } from './views.js';

/** The slice of a pino logger the control server uses. */
export interface ControlLogger {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

/** What the control server needs from the rest of apposd (wired by main.ts). */
export interface ControlDeps {
  /** Path of the unix socket to listen on (`control.socket`). */
  socket: string;
  supervisor: SupervisorApi;
  /** Probed upstreams (routes with `probe:`), listed by `status` beside the programs. */
  upstreams?: UpstreamSource;
  logs: LogApi;
  /** Rereads the config and applies it; throws AppError(APPOS_ERR_CONFIG) when invalid. */
  reload(): Promise<ReloadResult>;
  /** Begins apposd's ordered shutdown; called once the answer to `shutdown` is sent. */
  shutdown(): void;
  version: string;
  /** apposd's pid (for `version`) and umask (the socket is created 0600). */
  host: Pick<Host, 'pid' | 'umask'>;
  logger: ControlLogger;
  /** Epoch ms of a scheduled program's next run (the scheduler's), or null. */
  nextRunAt?: (name: string) => number | null;
  /** Backups (take, list, restore); absent: the routes answer 404. */
  backups?: BackupService;
  /** Runs `appos-ctl doctor`'s checks. */
  doctor?: () => Promise<DoctorResponse>;
}

/** Lines a tail returns when the request does not say. */
const DEFAULT_LINES = 10;
/** A follower whose unsent output passes this is too slow: its connection is dropped. */
const MAX_FOLLOW_BACKLOG_BYTES = 8 * 1024 * 1024;

/** What a handler gets: the decoded query, the parsed JSON body, and the response. */
export interface ControlRequest {
  query: Query;
  /** The JSON body of a POST, or undefined when it has none. */
  body: unknown;
  res: ServerResponse;
}

/**
 * One endpoint: `json` handlers resolve to the answer's body (or throw an error to answer
 * with); a `stream` handler validates (throwing like `json`), then writes `res` itself.
 */
export type Route =
  | { method: 'GET' | 'POST'; json: (req: ControlRequest) => Promise<unknown> }
  | { method: 'GET'; stream: (req: ControlRequest) => void };

function startOrder(supervisor: SupervisorApi): string[] {
  return supervisor.status().map((s) => s.name);
}

function resultView(r: ActionResult): ActionResultView {
  return { name: r.name, ok: r.ok, message: r.message };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Every route, keyed "METHOD /path"; `followers` collects the open follow streams' closers. */
export function controlRoutes(
  deps: ControlDeps,
  followers: Set<() => void>,
): ReadonlyMap<string, Route> {
  const { supervisor, logs, logger } = deps;
  let shuttingDown = false;

  const status = async ({ query }: ControlRequest): Promise<StatusResponse> => {
    const names = stringList(query.name, 'name');
    assertKnown(names, supervisor.names());
    const now = Date.now();
    const programs = supervisor
      .status(names.length > 0 ? names : undefined)
      .map((s) => programView(s, now, deps.nextRunAt?.(s.name) ?? null));
    const upstreams = names.length > 0 ? [] : (deps.upstreams?.status() ?? []);
    if (upstreams.length === 0) return { programs };
    return { programs, upstreams: upstreams.map((u) => upstreamView(u, now)) };
  };

  const act =
    (verb: ActionVerb) =>
    async ({ body }: ControlRequest): Promise<ActionResponse> => {
      const { names, timeoutMs } = actionBody(body);
      if (verb !== 'stop' && supervisor.stopping) {
        throw new ApiError(409, API_ERRORS.STOPPING, 'apposd is shutting down');
      }
      const targets = selectPrograms(names, startOrder(supervisor));
      logger.info({ action: verb, programs: targets }, `control: ${verb}`);
      const all = names.includes(ALL);
      return { results: await runAction(supervisor, verb, targets, timeoutMs, all) };
    };

  const signal = async ({ body }: ControlRequest): Promise<ActionResponse> => {
    const { signal, names } = signalBody(body);
    const targets = selectPrograms(names, startOrder(supervisor));
    logger.info({ action: 'signal', signal, programs: targets }, 'control: signal');
    const results = targets.map((name) => {
      try {
        return resultView(supervisor.signal(name, signal));
      } catch (err) {
        return { name, ok: false, message: messageOf(err) };
      }
    });
    return { results };
  };

  const journal = async ({ query }: ControlRequest): Promise<JournalResponse> => {
    const name = optionalString(query.name, 'name');
    if (name !== undefined) assertKnown([name], supervisor.names());
    const limit = integer(query.limit, 'limit', 100, 1);
    return { entries: supervisor.journal(name, limit).map(journalView) };
  };

  /** The tail a logs request asks for (validated), and the program names for alignment. */
  const tailOf = (q: Query, lines: number): LogsResponse => {
    const name = optionalString(q.name, 'name');
    const stream = streamName(q.stream);
    if (name === undefined && stream !== undefined) {
      throw badRequest('stream needs a program name');
    }
    const programs = supervisor.names();
    if (name !== undefined) assertKnown([name], programs);
    const tail = name === undefined ? logs.tailAll(lines) : logs.tail(name, lines, stream);
    return { programs, lines: tail.map(logLineView) };
  };

  const logsTail = async ({ query }: ControlRequest): Promise<LogsResponse> =>
    tailOf(query, integer(query.lines, 'lines', DEFAULT_LINES));

  const logsFollow = ({ query, res }: ControlRequest): void => {
    const backlog = tailOf(query, integer(query.lines, 'lines', DEFAULT_LINES));
    const name = optionalString(query.name, 'name');
    const stream = streamName(query.stream);
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache' });
    const send = (message: FollowMessage): void => {
      if (res.destroyed || res.writableEnded) return;
      res.write(`${JSON.stringify(message)}\n`);
      if (res.writableLength > MAX_FOLLOW_BACKLOG_BYTES) res.destroy();
    };
    send({ type: 'hello', programs: backlog.programs });
    for (const line of backlog.lines) send({ type: 'line', ...line });
    const unsubscribe = logs.follow(name, stream, (line) => {
      try {
        send({ type: 'line', ...logLineView(line) });
      } catch (err) {
        logger.warn({ err }, 'control: dropping a log follower');
        res.destroy();
      }
    });
    const end = (): void => {
      if (!res.writableEnded) res.end();
    };
    followers.add(end);
    res.on('error', () => res.destroy());
    res.once('close', () => {
      followers.delete(end);
      unsubscribe();
    });
  };

  const reload = async (): Promise<ReloadResponse> => {
    logger.info({ action: 'reload' }, 'control: reload');
    const r = await deps.reload();
    return { added: [...r.added], changed: [...r.changed], removed: [...r.removed] };
  };

  const shutdown = async ({ res }: ControlRequest): Promise<ShutdownResponse> => {
    logger.info({ action: 'shutdown' }, 'control: shutdown');
    res.once('close', () => {
      if (shuttingDown) return;
      shuttingDown = true;
      try {
        deps.shutdown();
      } catch (err) {
        logger.error({ err }, 'control: shutdown failed');
      }
    });
    return { ok: true };
  };

  const backups = (): BackupService => {
    if (deps.backups) return deps.backups;
    throw new ApiError(404, API_ERRORS.NOT_FOUND, 'backups are not available');
  };
  const doctor = async (): Promise<DoctorResponse> => {
    if (!deps.doctor) throw new ApiError(404, API_ERRORS.NOT_FOUND, 'doctor is not available');
    return deps.doctor();
  };

  const version = async (): Promise<VersionResponse> => ({
    version: deps.version,
    pid: deps.host.pid,
    uptime_s: Math.max(0, Math.round((Date.now() - supervisor.startedAt) / 100) / 10),
  });

  const routes: [string, Route][] = [
    [ROUTES.STATUS, { method: 'GET', json: status }],
    [ROUTES.START, { method: 'POST', json: act('start') }],
    [ROUTES.STOP, { method: 'POST', json: act('stop') }],
    [ROUTES.RESTART, { method: 'POST', json: act('restart') }],
    [ROUTES.SIGNAL, { method: 'POST', json: signal }],
    [ROUTES.JOURNAL, { method: 'GET', json: journal }],
    [ROUTES.LOGS, { method: 'GET', json: logsTail }],
    [ROUTES.LOGS_FOLLOW, { method: 'GET', stream: logsFollow }],
    [ROUTES.RELOAD, { method: 'POST', json: reload }],
    [ROUTES.SHUTDOWN, { method: 'POST', json: shutdown }],
    [
      ROUTES.HEALTH,
      { method: 'GET', json: async () => healthView(supervisor, Date.now(), deps.upstreams) },
    ],
    [ROUTES.VERSION, { method: 'GET', json: version }],
    [ROUTES.BACKUP, { method: 'POST', json: async () => handleBackup(backups()) }],
    [ROUTES.BACKUPS, { method: 'GET', json: async () => handleBackups(backups()) }],
    [ROUTES.RESTORE, { method: 'POST', json: async (r) => handleRestore(backups(), r.body) }],
    [ROUTES.DOCTOR, { method: 'GET', json: doctor }],
  ];
  return new Map(routes.map(([path, route]) => [`${route.method} ${path}`, route]));
}
