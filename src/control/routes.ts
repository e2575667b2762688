// The control API's handlers (protocol.ts ROUTES) on a fastify instance: status, actions,
// journal, log tails and follows, reload, shutdown, health and version.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LogApi } from '../log/api.js';
import type { ActionResult, ReloadResult, SupervisorApi } from '../supervisor/api.js';
import { runAction, type ActionVerb } from './actions.js';
import { ApiError, badRequest, toErrorAnswer } from './api-error.js';
import { assertKnown, selectPrograms } from './names.js';
import {
  ALL,
  ERROR_CODES,
  ROUTES,
  type ActionResponse,
  type ActionResultView,
  type FollowMessage,
  type JournalResponse,
  type LogsResponse,
  type ReloadResponse,
  type StatusResponse,
  type VersionResponse,
} from './protocol.js';
import {
  actionBody,
  integer,
  optionalString,
  signalBody,
  streamName,
  stringList,
} from './request.js';
import { healthView, journalView, logLineView, programView } from './views.js';

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
  logs: LogApi;
  /** Rereads the config and applies it; throws AppError(APPOS_ERR_CONFIG) when invalid. */
  reload(): Promise<ReloadResult>;
  /** Begins apposd's ordered shutdown; called once the answer to `shutdown` is sent. */
  shutdown(): void;
  version: string;
  logger: ControlLogger;
}

/** Lines a tail returns when the request does not say. */
const DEFAULT_LINES = 10;
/** A follower whose unsent output passes this is too slow: its connection is dropped. */
const MAX_FOLLOW_BACKLOG_BYTES = 8 * 1024 * 1024;

type Query = Record<string, unknown>;

function startOrder(supervisor: SupervisorApi): string[] {
  return supervisor.status().map((s) => s.name);
}

function resultView(r: ActionResult): ActionResultView {
  return { name: r.name, ok: r.ok, message: r.message };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Registers every route; `followers` collects the open follow streams' closers. */
export function registerRoutes(
  app: FastifyInstance,
  deps: ControlDeps,
  followers: Set<() => void>,
): void {
  const { supervisor, logs, logger } = deps;
  let shuttingDown = false;

  app.setErrorHandler((err, request, reply) => {
    const answer = toErrorAnswer(err);
    if (answer.internal) {
      logger.error({ err, route: request.url }, 'control request failed');
    }
    void reply.code(answer.status).send(answer.body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({
      error: {
        code: ERROR_CODES.NOT_FOUND,
        message: `no such endpoint: ${request.method} ${request.url}`,
      },
    });
  });

  app.get(ROUTES.STATUS, async (request): Promise<StatusResponse> => {
    const names = stringList((request.query as Query).name, 'name');
    assertKnown(names, supervisor.names());
    const now = Date.now();
    return {
      programs: supervisor
        .status(names.length > 0 ? names : undefined)
        .map((s) => programView(s, now)),
    };
  });

  const act =
    (verb: ActionVerb) =>
    async (request: FastifyRequest): Promise<ActionResponse> => {
      const { names, timeoutMs } = actionBody(request.body);
      if (verb !== 'stop' && supervisor.stopping) {
        throw new ApiError(409, ERROR_CODES.STOPPING, 'apposd is shutting down');
      }
      const targets = selectPrograms(names, startOrder(supervisor));
      logger.info({ action: verb, programs: targets }, `control: ${verb}`);
      const all = names.includes(ALL);
      return { results: await runAction(supervisor, verb, targets, timeoutMs, all) };
    };
  app.post(ROUTES.START, act('start'));
  app.post(ROUTES.STOP, act('stop'));
  app.post(ROUTES.RESTART, act('restart'));

  app.post(ROUTES.SIGNAL, async (request): Promise<ActionResponse> => {
    const { signal, names } = signalBody(request.body);
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
  });

  app.get(ROUTES.JOURNAL, async (request): Promise<JournalResponse> => {
    const q = request.query as Query;
    const name = optionalString(q.name, 'name');
    if (name !== undefined) assertKnown([name], supervisor.names());
    const limit = integer(q.limit, 'limit', 100, 1);
    return { entries: supervisor.journal(name, limit).map(journalView) };
  });

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

  app.get(ROUTES.LOGS, async (request): Promise<LogsResponse> => {
    const q = request.query as Query;
    return tailOf(q, integer(q.lines, 'lines', DEFAULT_LINES));
  });

  app.get(ROUTES.LOGS_FOLLOW, (request: FastifyRequest, reply: FastifyReply) => {
    const q = request.query as Query;
    const backlog = tailOf(q, integer(q.lines, 'lines', DEFAULT_LINES));
    const name = optionalString(q.name, 'name');
    const stream = streamName(q.stream);
    reply.hijack();
    const res = reply.raw;
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
  });

  app.post(ROUTES.RELOAD, async (): Promise<ReloadResponse> => {
    logger.info({ action: 'reload' }, 'control: reload');
    const r = await deps.reload();
    return { added: [...r.added], changed: [...r.changed], removed: [...r.removed] };
  });

  app.post(ROUTES.SHUTDOWN, async (_request, reply) => {
    logger.info({ action: 'shutdown' }, 'control: shutdown');
    reply.raw.once('close', () => {
      if (shuttingDown) return;
      shuttingDown = true;
      try {
        deps.shutdown();
      } catch (err) {
        logger.error({ err }, 'control: shutdown failed');
      }
    });
    return { ok: true };
  });

  app.get(ROUTES.HEALTH, async () => healthView(supervisor));

  app.get(ROUTES.VERSION, async (): Promise<VersionResponse> => ({
    version: deps.version,
    pid: process.pid,
    uptime_s: Math.max(0, Math.round((Date.now() - supervisor.startedAt) / 100) / 10),
  }));
}
