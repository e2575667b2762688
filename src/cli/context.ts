// What every appos-ctl verb shares: its options, the context it runs in (the control client,
// its arguments, the terminal ctl.ts hands in), and the printing and argument helpers.
import type { ClientOptions } from '../control/client.js';
import { UsageError } from '../errors.js';

/** appos-ctl's options, as node:util parseArgs reads them. */
export const OPTIONS = {
  socket: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
  lines: { type: 'string', short: 'n' },
  timeout: { type: 'string' },
} as const;

/** The name of one of appos-ctl's options. */
export type OptionName = keyof typeof OPTIONS;

/** Backstop for actions and reload, which wait for programs to start or stop. */
export const ACTION_TIMEOUT_MS = 10 * 60_000;

/** The terminal appos-ctl writes to; ctl.ts builds it from the process. */
export interface Terminal {
  /** Writes `text` to stdout. */
  out(text: string): void;
  /** Writes `text` to stderr. */
  err(text: string): void;
  /** Calls `stop` on SIGINT or SIGTERM (once); the returned function unsubscribes. */
  onInterrupt(stop: () => void): () => void;
}

/** What a verb runs with. */
export interface Ctx {
  client: ClientOptions;
  args: string[];
  json: boolean;
  follow: boolean;
  lines?: number;
  timeoutMs?: number;
  term: Terminal;
}

/** One appos-ctl command: its help and what it does; `run` resolves to the exit code. */
export interface Verb {
  usage: string;
  summary: string;
  details: string;
  options: OptionName[];
  run(ctx: Ctx): Promise<number>;
}

/** Writes each of `lines` as a line to stdout; nothing for an empty list. */
export function print(term: Terminal, lines: string | readonly string[]): void {
  const list = typeof lines === 'string' ? [lines] : lines;
  if (list.length > 0) term.out(`${list.join('\n')}\n`);
}

/** Writes `value` to stdout as indented JSON. */
export function printJson(term: Terminal, value: unknown): void {
  print(term, JSON.stringify(value, null, 2));
}

/** Prints `value` as JSON with --json, else the text `format` makes of it. */
export function show<T>(ctx: Ctx, value: T, format: (v: T) => string | readonly string[]): void {
  if (ctx.json) printJson(ctx.term, value);
  else print(ctx.term, format(value));
}

/** A query string (`?a=1&b=x&b=y`, or '') of the defined `params`. */
export function query(
  params: Record<string, string | number | readonly string[] | undefined>,
): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) q.append(key, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Refuses fewer than `min` arguments: `verb` needs program names. */
export function needNames(ctx: Ctx, verb: string, min = 1): void {
  if (ctx.args.length < min) throw new UsageError(`${verb} needs a program name or "all"`, verb);
}

/** Refuses more than `max` arguments. */
export function noArgs(ctx: Ctx, verb: string, max = 0): void {
  if (ctx.args.length > max) throw new UsageError(`too many arguments for ${verb}`, verb);
}
