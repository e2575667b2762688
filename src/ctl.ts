#!/usr/bin/env node
// appos-ctl: argv -> one request on apposd's control socket -> supervisorctl-style output and
// CONTRACT.md's exit codes. Imports only control/protocol, control/client, control/format and
// the error catalogue.
import { parseArgs } from 'node:util';
import { call, CtlError, follow, type ClientOptions } from './control/client.js';
import {
  formatAction,
  formatBackup,
  formatBackups,
  formatDoctor,
  formatHealth,
  formatJournal,
  formatLogLine,
  formatReload,
  formatStatus,
  formatUnknown,
} from './control/format.js';
import {
  ALL,
  DEFAULT_SOCKET,
  ROUTES,
  isFine,
  type ActionResponse,
  type BackupResponse,
  type BackupsResponse,
  type DoctorResponse,
  type RestoreResponse,
  type FollowMessage,
  type HealthResponse,
  type JournalResponse,
  type LogsResponse,
  type ReloadResponse,
  type StatusResponse,
  type VersionResponse,
} from './control/protocol.js';
import { EXIT, UsageError } from './errors.js';

const OPTIONS = {
  socket: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
  lines: { type: 'string', short: 'n' },
  timeout: { type: 'string' },
} as const;
type OptionName = keyof typeof OPTIONS;

/** Backstop for actions and reload, which wait for programs to start or stop. */
const ACTION_TIMEOUT_MS = 10 * 60_000;

interface Ctx {
  client: ClientOptions;
  args: string[];
  json: boolean;
  follow: boolean;
  lines?: number;
  timeoutMs?: number;
}

interface Verb {
  usage: string;
  summary: string;
  details: string;
  options: OptionName[];
  run(ctx: Ctx): Promise<number>;
}

function print(lines: string | readonly string[]): void {
  const list = typeof lines === 'string' ? [lines] : lines;
  if (list.length > 0) process.stdout.write(`${list.join('\n')}\n`);
}

function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

function query(params: Record<string, string | number | readonly string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) q.append(key, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

function needNames(ctx: Ctx, verb: string, min = 1): void {
  if (ctx.args.length < min) throw new UsageError(`${verb} needs a program name or "all"`, verb);
}

function noArgs(ctx: Ctx, verb: string, max = 0): void {
  if (ctx.args.length > max) throw new UsageError(`too many arguments for ${verb}`, verb);
}

async function action(ctx: Ctx, verb: 'start' | 'stop' | 'restart'): Promise<number> {
  needNames(ctx, verb);
  const route = { start: ROUTES.START, stop: ROUTES.STOP, restart: ROUTES.RESTART }[verb];
  const body = { names: ctx.args, timeout_ms: ctx.timeoutMs };
  const client = { ...ctx.client, timeoutMs: ACTION_TIMEOUT_MS };
  const r = await call<ActionResponse>(client, 'POST', route, body);
  if (ctx.json) printJson(r);
  else print(r.results.map(formatAction));
  return r.results.every((x) => x.ok) ? EXIT.OK : EXIT.FAILED;
}

/** Streams log lines until apposd ends the stream, SIGINT/SIGTERM, or stdout closes. */
async function followLogs(
  ctx: Ctx,
  path: string,
  show: (m: FollowMessage) => void,
): Promise<number> {
  const stream = follow(ctx.client, path, (m) => (ctx.json ? print(JSON.stringify(m)) : show(m)));
  const stop = (): void => stream.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await stream.done;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return EXIT.OK;
}

function streamArg(value: string | undefined): 'stdout' | 'stderr' | undefined {
  if (value === undefined || value === 'stdout' || value === 'stderr') return value;
  throw new UsageError(`the stream must be stdout or stderr, not "${value}"`, 'tail');
}

const VERBS: Record<string, Verb> = {
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
      if (ctx.json) printJson(r);
      else print(formatStatus(r.programs, r.upstreams));
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
      if (ctx.json) printJson(r);
      else print(r.results.map(formatAction));
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
          if (m.type === 'line') print(m.line);
        });
      }
      const r = await call<LogsResponse>(ctx.client, 'GET', ROUTES.LOGS + q);
      if (ctx.json) printJson(r);
      else print(r.lines.map((l) => l.line));
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
          else print(formatLogLine(m, width));
        });
      }
      const r = await call<LogsResponse>(ctx.client, 'GET', ROUTES.LOGS + q);
      const width = widthOf(r.programs);
      if (ctx.json) printJson(r);
      else print(r.lines.map((l) => formatLogLine(l, width)));
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
      if (ctx.json) printJson(r);
      else print(formatJournal(r.entries));
      return EXIT.OK;
    },
  },
  reload: {
    usage: 'reload',
    summary: 'reread the config, apply only what changed',
    details: 'Prints "NAME: added|changed|removed" per program touched, or "no changes".',
    options: ['json'],
    run: async (ctx) => {
      noArgs(ctx, 'reload');
      const client = { ...ctx.client, timeoutMs: ACTION_TIMEOUT_MS };
      const r = await call<ReloadResponse>(client, 'POST', ROUTES.RELOAD);
      if (ctx.json) printJson(r);
      else print(formatReload(r));
      return EXIT.OK;
    },
  },
  health: {
    usage: 'health [--json]',
    summary: 'exit 0 healthy, 1 not (never 2): HEALTHCHECK',
    details: 'Healthy: every critical program RUNNING and ready, and apposd not stopping.',
    options: ['json'],
    run: async (ctx) => {
      noArgs(ctx, 'health');
      const r = await call<HealthResponse>(ctx.client, 'GET', ROUTES.HEALTH);
      if (ctx.json) printJson(r);
      else print(formatHealth(r));
      return r.healthy ? EXIT.OK : EXIT.FAILED;
    },
  },
  pid: {
    usage: 'pid [NAME]',
    summary: "print apposd's pid, or a program's",
    details: 'A program without a process prints nothing on stdout, a line on stderr, exit 1.',
    options: [],
    run: async (ctx) => {
      noArgs(ctx, 'pid', 1);
      const name = ctx.args[0];
      if (name === undefined) {
        print(String((await call<VersionResponse>(ctx.client, 'GET', ROUTES.VERSION)).pid));
        return EXIT.OK;
      }
      const r = await call<StatusResponse>(ctx.client, 'GET', ROUTES.STATUS + query({ name }));
      const p = r.programs[0];
      if (!p || p.pid === null) {
        process.stderr.write(`${name}: no process (${p?.state ?? 'unknown'})\n`);
        return EXIT.FAILED;
      }
      print(String(p.pid));
      return EXIT.OK;
    },
  },
  shutdown: {
    usage: 'shutdown',
    summary: 'stop every program, then apposd',
    details: 'Returns once apposd has accepted; it then shuts down in the background.',
    options: [],
    run: async (ctx) => {
      noArgs(ctx, 'shutdown');
      await call(ctx.client, 'POST', ROUTES.SHUTDOWN);
      print('Shut down');
      return EXIT.OK;
    },
  },
  backup: {
    usage: 'backup [--json]',
    summary: 'take one consistent backup now',
    details: [
      "Prints the new archive's id and path. Exit 1 on failure, with the reason; older",
      'archives are then left as they were (retention runs only after a backup succeeded).',
    ].join('\n'),
    options: ['json'],
    run: async (ctx) => {
      noArgs(ctx, 'backup');
      const client = { ...ctx.client, timeoutMs: ACTION_TIMEOUT_MS };
      const r = await call<BackupResponse>(client, 'POST', ROUTES.BACKUP);
      if (ctx.json) printJson(r);
      else print(formatBackup(r));
      return EXIT.OK;
    },
  },
  backups: {
    usage: 'backups [--json]',
    summary: 'list the backups: id, time, size, what each holds',
    details: 'Oldest first.',
    options: ['json'],
    run: async (ctx) => {
      noArgs(ctx, 'backups');
      const r = await call<BackupsResponse>(ctx.client, 'GET', ROUTES.BACKUPS);
      if (ctx.json) printJson(r);
      else print(formatBackups(r));
      return EXIT.OK;
    },
  },
  restore: {
    usage: 'restore ID',
    summary: 'check a backup, stop what it covers, restore it, start again',
    details: [
      'The archive is checked against its manifest first: a corrupt or partial one is refused',
      '(exit 1) and nothing is touched. Otherwise the programs it covers are stopped in reverse',
      'start order, their data replaced, and started in start order.',
    ].join('\n'),
    options: ['json'],
    run: async (ctx) => {
      if (ctx.args.length !== 1) throw new UsageError('restore needs one backup id', 'restore');
      const client = { ...ctx.client, timeoutMs: ACTION_TIMEOUT_MS };
      const r = await call<RestoreResponse>(client, 'POST', ROUTES.RESTORE, { id: ctx.args[0] });
      if (ctx.json) printJson(r);
      else print([`restored ${r.id}: ${r.programs.join(', ') || 'files only'}`, ...r.failed]);
      return r.failed.length === 0 ? EXIT.OK : EXIT.FAILED;
    },
  },
  doctor: {
    usage: 'doctor [--json]',
    summary: 'run the troubleshooting checks: ok/fail and the fix',
    details: 'See docs/troubleshooting.md. Exit 0 when every check is ok, 1 otherwise.',
    options: ['json'],
    run: async (ctx) => {
      noArgs(ctx, 'doctor');
      const client = { ...ctx.client, timeoutMs: 60_000 };
      const r = await call<DoctorResponse>(client, 'GET', ROUTES.DOCTOR);
      if (ctx.json) printJson(r);
      else print(formatDoctor(r));
      return r.ok ? EXIT.OK : EXIT.FAILED;
    },
  },
  version: {
    usage: 'version',
    summary: "print apposd's version",
    details: '',
    options: ['json'],
    run: async (ctx) => {
      noArgs(ctx, 'version');
      const r = await call<VersionResponse>(ctx.client, 'GET', ROUTES.VERSION);
      if (ctx.json) printJson(r);
      else print(r.version);
      return EXIT.OK;
    },
  },
};

const GLOBAL_HELP = [
  'Usage: appos-ctl [--socket PATH] COMMAND [ARGS]',
  '',
  'Control a running apposd over its unix socket (like supervisorctl).',
  '',
  'Commands:',
  ...Object.values(VERBS).map((v) => `  ${v.usage.padEnd(39)} ${v.summary}`),
  `  ${'help [COMMAND]'.padEnd(39)} show help for a command`,
  '',
  'Options:',
  `  --socket PATH   the control socket (default: $APPOS_CTL_SOCKET, else ${DEFAULT_SOCKET})`,
  '  -h, --help      show help',
  '',
  'Exit codes: 0 success; 1 refused or failed (also: permission denied, health not healthy);',
  '2 usage error or apposd not running; 3 status: a named program is not RUNNING.',
].join('\n');

function verbHelp(verb: Verb): string {
  const summary = verb.summary.charAt(0).toUpperCase() + verb.summary.slice(1);
  const lines = [`Usage: appos-ctl ${verb.usage}`, '', `${summary}.`];
  if (verb.details) lines.push('', verb.details);
  return lines.join('\n');
}

function help(topic: string | undefined): number {
  if (topic === undefined) {
    print(GLOBAL_HELP);
    return EXIT.OK;
  }
  const verb = verbNamed(topic);
  if (!verb) throw new UsageError(`no help for unknown command "${topic}"`);
  print(verbHelp(verb));
  return EXIT.OK;
}

function positiveInt(value: string, flag: string, verb: string): number {
  if (!/^\d+$/.test(value))
    throw new UsageError(`${flag} needs a whole number, not "${value}"`, verb);
  return Number(value);
}

function verbNamed(name: string): Verb | undefined {
  return Object.hasOwn(VERBS, name) ? VERBS[name] : undefined;
}

/** The command word in a raw argv, for pointing a usage error at its help. */
function verbIn(argv: readonly string[]): string | undefined {
  return argv.find((a) => Object.hasOwn(VERBS, a));
}

interface CommandLine {
  values: Partial<Record<'socket' | 'lines' | 'timeout', string>> &
    Partial<Record<'help' | 'json' | 'follow', boolean>>;
  positionals: string[];
}

function parseCommandLine(argv: string[]): CommandLine {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const option = /'([^']+)'/.exec(message)?.[1];
    const code = (err as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
      throw new UsageError(`unknown option ${option}`, verbIn(argv));
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
      throw new UsageError(`option ${option.split(/[ ,]/)[0]} needs a value`, verbIn(argv));
    }
    throw new UsageError(message.split('. ')[0] ?? message);
  }
}

/** Set once the command is `health`, whose exit code is never 2 (Docker's HEALTHCHECK). */
let healthCheck = false;

/** Runs appos-ctl with `argv` (without node and the script) and returns the exit code. */
async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  // Known before parsing, so that a bad option given to `health` still exits 1, not 2.
  healthCheck = verbIn(argv) === 'health';
  const { values, positionals } = parseCommandLine(argv);
  const [verbName, ...args] = positionals;
  if (verbName === 'help') return help(args[0]);
  if (verbName === undefined) {
    if (values.help) return help(undefined);
    throw new UsageError('no command given');
  }
  const verb = verbNamed(verbName);
  if (!verb) throw new UsageError(`unknown command "${verbName}"`);
  healthCheck = verbName === 'health';
  if (values.help) return help(verbName);
  for (const key of Object.keys(values) as OptionName[]) {
    if (key !== 'socket' && key !== 'help' && !verb.options.includes(key)) {
      const flag = key === 'follow' ? '-f' : key === 'lines' ? '-n' : `--${key}`;
      throw new UsageError(`${verbName} does not take ${flag}`, verbName);
    }
  }
  const socket = values.socket ?? (env.APPOS_CTL_SOCKET || DEFAULT_SOCKET);
  const ctx: Ctx = {
    client: { socket },
    args,
    json: values.json ?? false,
    follow: values.follow ?? false,
  };
  if (values.lines !== undefined) ctx.lines = positiveInt(values.lines, '-n', verbName);
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout);
    if (!(seconds > 0))
      throw new UsageError('--timeout needs a number of seconds above 0', verbName);
    ctx.timeoutMs = Math.round(seconds * 1000);
  }
  return verb.run(ctx);
}

/** Prints the one line for a failure and returns its exit code. No stack traces. */
function report(err: unknown): number {
  const code = describeFailure(err);
  // `health` is Docker's HEALTHCHECK, where 2 is reserved: every failure there is 1.
  return healthCheck && code === EXIT.USAGE ? EXIT.FAILED : code;
}

function describeFailure(err: unknown): number {
  if (err instanceof UsageError) {
    const hint = err.verb ? `appos-ctl help ${err.verb}` : 'appos-ctl --help';
    process.stderr.write(`appos-ctl: ${err.message} (see ${hint})\n`);
    return EXIT.USAGE;
  }
  if (err instanceof CtlError) {
    if (err.unknown && err.unknown.length > 0) {
      process.stderr.write(`${err.unknown.map(formatUnknown).join('\n')}\n`);
    } else {
      process.stderr.write(`${err.code ? `appos-ctl: ${err.message}` : err.message}\n`);
    }
    return err.exitCode;
  }
  process.stderr.write(`appos-ctl: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT.FAILED;
}

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // The reader went away (`appos-ctl logs -f | head`): nothing left to say.
  process.exit(err.code === 'EPIPE' ? EXIT.OK : EXIT.FAILED);
});
process.on('uncaughtException', (err) => process.exit(report(err)));
process.on('unhandledRejection', (err) => process.exit(report(err)));

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = report(err);
  },
);
