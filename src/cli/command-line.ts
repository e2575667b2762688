// appos-ctl's command line: the verbs and their help, argv parsed into a verb and its context,
// and the one line printed for a failure with its exit code (CONTRACT.md).
import { parseArgs } from 'node:util';
import { CtlError } from '../control/client.js';
import { formatUnknown } from '../control/format.js';
import { DEFAULT_SOCKET } from '../control/protocol.js';
import { EXIT, UsageError } from '../errors.js';
import { type Ctx, OPTIONS, type OptionName, type Terminal, type Verb, print } from './context.js';
import { DAEMON_VERBS } from './daemon-verbs.js';
import { PROGRAM_VERBS } from './program-verbs.js';

const VERBS: Record<string, Verb> = { ...PROGRAM_VERBS, ...DAEMON_VERBS };

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

function positiveInt(value: string, flag: string, verb: string): number {
  if (!/^\d+$/.test(value))
    throw new UsageError(`${flag} needs a whole number, not "${value}"`, verb);
  return Number(value);
}

function verbNamed(name: string): Verb | undefined {
  return Object.hasOwn(VERBS, name) ? VERBS[name] : undefined;
}

/**
 * The command word of an argv that may not parse (for pointing a usage error at its help, and
 * for `health`'s exit code): the first positional as parseArgs reads it leniently, so that an
 * option's value (`-n health`) is never taken for the command.
 */
function verbIn(argv: string[]): string | undefined {
  const { positionals } = parseArgs({
    args: argv,
    options: OPTIONS,
    allowPositionals: true,
    strict: false,
  });
  const first = positionals[0];
  return first !== undefined && verbNamed(first) ? first : undefined;
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

/** One run of appos-ctl, writing to `term`. */
export class CtlSession {
  /** Set once the command is `health`, whose exit code is never 2 (Docker's HEALTHCHECK). */
  healthCheck = false;

  constructor(private readonly term: Terminal) {}

  /** Runs appos-ctl with `argv` (without node and the script); resolves to the exit code. */
  async run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
    // Known before parsing, so that a bad option given to `health` still exits 1, not 2 (the
    // lenient read finds the same command as the parse below when that succeeds).
    this.healthCheck = verbIn(argv) === 'health';
    const { values, positionals } = parseCommandLine(argv);
    const [verbName, ...args] = positionals;
    if (verbName === 'help') return this.help(args[0]);
    if (verbName === undefined) {
      if (values.help) return this.help(undefined);
      throw new UsageError('no command given');
    }
    const verb = verbNamed(verbName);
    if (!verb) throw new UsageError(`unknown command "${verbName}"`);
    if (values.help) return this.help(verbName);
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
      term: this.term,
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
  report(err: unknown): number {
    const code = this.describeFailure(err);
    // `health` is Docker's HEALTHCHECK, where 2 is reserved: every failure there is 1.
    return this.healthCheck && code === EXIT.USAGE ? EXIT.FAILED : code;
  }

  private describeFailure(err: unknown): number {
    if (err instanceof UsageError) {
      const hint = err.verb ? `appos-ctl help ${err.verb}` : 'appos-ctl --help';
      this.term.err(`appos-ctl: ${err.message} (see ${hint})\n`);
      return EXIT.USAGE;
    }
    if (err instanceof CtlError) {
      if (err.unknown && err.unknown.length > 0) {
        this.term.err(`${err.unknown.map(formatUnknown).join('\n')}\n`);
      } else {
        this.term.err(`${err.code ? `appos-ctl: ${err.message}` : err.message}\n`);
      }
      return err.exitCode;
    }
    this.term.err(`appos-ctl: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.FAILED;
  }

  /** Prints the global help, or `topic`'s. */
  private help(topic: string | undefined): number {
    if (topic === undefined) {
      print(this.term, GLOBAL_HELP);
      return EXIT.OK;
    }
    const verb = verbNamed(topic);
    if (!verb) throw new UsageError(`no help for unknown command "${topic}"`);
    print(this.term, verbHelp(verb));
    return EXIT.OK;
  }
}
