// appos-ctl's verbs about programs: status, start, stop, restart, signal, and their output:
// tail, logs, journal.
import { call, follow } from '../control/client.js';
import { formatAction, formatJournal, formatLogLine, formatStatus } from '../control/format.js';
import {
  ALL,
  ROUTES,
  isFine,
  type ActionResponse,
  type FollowMessage,
  type JournalResponse,
  type LogsResponse,
  type StatusResponse,
} from '../control/protocol.js';
import { EXIT, UsageError } from '../errors.js';
import {
  ACTION_TIMEOUT_MS,
  type Ctx,
  type Verb,
  needNames,
  noArgs,
  print,
  query,
  show,
} from './context.js';

async function action(ctx: Ctx, verb: 'start' | 'stop' | 'restart'): Promise<number> {
  needNames(ctx, verb);
  const route = { start: ROUTES.START, stop: ROUTES.STOP, restart: ROUTES.RESTART }[verb];
  const body = { names: ctx.args, timeout_ms: ctx.timeoutMs };
  const client = { ...ctx.client, timeoutMs: ACTION_TIMEOUT_MS };
  const r = await call<ActionResponse>(client, 'POST', route, body);
  show(ctx, r, (v) => v.results.map(formatAction));
  return r.results.every((x) => x.ok) ? EXIT.OK : EXIT.FAILED;
}

/** Streams log lines until apposd ends the stream, SIGINT/SIGTERM, or stdout closes. */
async function followLogs(
  ctx: Ctx,
  path: string,
  onMessage: (m: FollowMessage) => void,
): Promise<number> {
  const stream = follow(ctx.client, path, (m) =>
    ctx.json ? print(ctx.term, JSON.stringify(m)) : onMessage(m),
  );
  const off = ctx.term.onInterrupt(() => stream.stop());
  try {
    await stream.done;
  } finally {
    off();
  }
  return EXIT.OK;
}

function streamArg(value: string | undefined): 'stdout' | 'stderr' | undefined {
  if (value === undefined || value === 'stdout' || value === 'stderr') return value;
  throw new UsageError(`the stream must be stdout or stderr, not "${value}"`, 'tail');
}

/** The program verbs, in the order help lists them. */
export const PROGRAM_VERBS: Record<string, Verb> = {
  status: {
    usage: 'status [NAME...] [--json]',
    summary: 'state of all or the named programs',
    details: [
      'One line per program, like supervisorctl: NAME  STATE  DESCRIPTION. Lines of programs',
      'with a process end with "ready" or "not-ready" (the readiness probe).',
      'Exit 0 when every named program is RUNNING (a completed oneshot counts), 3 otherwise,',
      '1 for an unknown name. Without names, probed upstreams (routes with `probe:`) follow',
      'as NAME  UP|DOWN|UNKNOWN  DESCRIPTION, and one not UP also exits 3.',
      '--json prints the API objects.',
    ].join('\n'),
    options: ['json'],
    run: async (ctx) => {
      const names = ctx.args.includes(ALL) ? [] : ctx.args;
      const r = await call<StatusResponse>(
        ctx.client,
        'GET',
        ROUTES.STATUS + query({ name: names }),
      );
      show(ctx, r, (v) => formatStatus(v.programs, v.upstreams));
      const upstreamsUp = (r.upstreams ?? []).every((u) => u.state === 'UP');
      return r.programs.every(isFine) && upstreamsUp ? EXIT.OK : EXIT.STATUS_NOT_RUNNING;
    },
  },
  start: {
    usage: 'start NAME...|all [--timeout SECONDS]',
    summary: 'start programs and wait for the outcome',
    details: [
      'Prints "NAME: started" or "NAME: ERROR (why)" per program; exit 1 on any error.',
      '"all" leaves out programs that are already RUNNING.',
    ].join('\n'),
    options: ['timeout', 'json'],
    run: (ctx) => action(ctx, 'start'),
  },
  stop: {
    usage: 'stop NAME...|all [--timeout SECONDS]',
    summary: 'stop programs, last started first, and wait',
    details: [
      'Prints "NAME: stopped" or "NAME: ERROR (why)" per program; exit 1 on any error.',
      '"all" leaves out programs that have nothing to stop.',
    ].join('\n'),
    options: ['timeout', 'json'],
    run: (ctx) => action(ctx, 'stop'),
  },
  restart: {
    usage: 'restart NAME...|all [--timeout SECONDS]',
    summary: 'stop programs, then start them in start order',
    details: [
      'Stops every named program (last started first), then starts them again in start order,',
      'each once its dependencies are up. Prints "NAME: restarted" or "NAME: ERROR (why)" per',
      'program; exit 1 on any error.',
    ].join('\n'),
    options: ['timeout', 'json'],
    run: (ctx) => action(ctx, 'restart'),
  },
  signal: {
    usage: 'signal SIGNAL NAME...|all',
    summary: 'send a signal (HUP, USR1, 10, ...) to programs',
    details: 'Prints one line per program; exit 1 on any error.',
    options: ['json'],
    run: async (ctx) => {
      if (ctx.args.length < 2)
        throw new UsageError('signal needs a signal and a program name', 'signal');
      const [signal, ...names] = ctx.args as [string, ...string[]];
      const r = await call<ActionResponse>(ctx.client, 'POST', ROUTES.SIGNAL, { signal, names });
      show(ctx, r, (v) => v.results.map(formatAction));
      return r.results.every((x) => x.ok) ? EXIT.OK : EXIT.FAILED;
    },
  },
  tail: {
    usage: 'tail [-f] [-n N] NAME [stdout|stderr]',
    summary: "a program's last output lines; -f follows",
    details: 'Default: the last 10 lines of both streams. -f prints new lines until Ctrl-C.',
    options: ['follow', 'lines', 'json'],
    run: async (ctx) => {
      if (ctx.args.length < 1) throw new UsageError('tail needs a program name', 'tail');
      noArgs(ctx, 'tail', 2);
      const q = query({ name: ctx.args[0], stream: streamArg(ctx.args[1]), lines: ctx.lines });
      if (ctx.follow) {
        return followLogs(ctx, ROUTES.LOGS_FOLLOW + q, (m) => {
          if (m.type === 'line') print(ctx.term, m.line);
        });
      }
      const r = await call<LogsResponse>(ctx.client, 'GET', ROUTES.LOGS + q);
      show(ctx, r, (v) => v.lines.map((l) => l.line));
      return EXIT.OK;
    },
  },
  logs: {
    usage: 'logs [-f] [-n N]',
    summary: "all programs' output, interleaved; -f follows",
    details: 'Each line is "NAME | line", NAME padded to the longest program name.',
    options: ['follow', 'lines', 'json'],
    run: async (ctx) => {
      noArgs(ctx, 'logs');
      const q = query({ lines: ctx.lines });
      const widthOf = (programs: string[]): number => Math.max(0, ...programs.map((p) => p.length));
      if (ctx.follow) {
        let width = 0;
        return followLogs(ctx, ROUTES.LOGS_FOLLOW + q, (m) => {
          if (m.type === 'hello') width = widthOf(m.programs);
          else print(ctx.term, formatLogLine(m, width));
        });
      }
      const r = await call<LogsResponse>(ctx.client, 'GET', ROUTES.LOGS + q);
      const width = widthOf(r.programs);
      show(ctx, r, (v) => v.lines.map((l) => formatLogLine(l, width)));
      return EXIT.OK;
    },
  },
  journal: {
    usage: 'journal [NAME] [-n N]',
    summary: 'state changes with their reasons',
    details: 'Default: the last 100 entries, oldest first.',
    options: ['lines', 'json'],
    run: async (ctx) => {
      noArgs(ctx, 'journal', 1);
      const q = query({ name: ctx.args[0], limit: ctx.lines });
      const r = await call<JournalResponse>(ctx.client, 'GET', ROUTES.JOURNAL + q);
      show(ctx, r, (v) => formatJournal(v.entries));
      return EXIT.OK;
    },
  },
};
