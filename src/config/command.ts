// Turns a `command` (or exec probe) into argv: a list as is (numbers to strings), a string
// split like a shell would with shell-quote. No shell ever runs, so operators are refused.
import { parse } from 'shell-quote';

/** argv, or why the command cannot be used. Errors never quote the command (it may hold secrets). */
export type ParsedCommand = { readonly argv: string[] } | { readonly error: string };

const NO_SHELL = 'apposd never runs a shell; use [sh, -c, "..."]';
/** Stands in for `$` while shell-quote splits, so it never expands variables. */
const DOLLAR = '\uE000';

/** Splits or copies a command into argv. */
export function parseCommand(command: string | readonly (string | number)[]): ParsedCommand {
  if (typeof command !== 'string') {
    const argv = command.map(String);
    if (argv.length === 0) return { error: 'must not be empty' };
    if (argv[0] === '') return { error: 'the program to run (the first item) is empty' };
    return { argv };
  }
  const argv: string[] = [];
  for (const entry of parse(command.replaceAll('$', DOLLAR))) {
    if (typeof entry === 'string') {
      argv.push(entry.replaceAll(DOLLAR, '$'));
    } else if ('comment' in entry) {
      return { error: `"#" starts a comment in a command string; quote it or use a list` };
    } else if (entry.op === 'glob') {
      return { error: `globs (*, ?) are not expanded: ${NO_SHELL}, or quote the argument` };
    } else {
      return { error: `shell operator "${entry.op}" in command: ${NO_SHELL}` };
    }
  }
  if (argv.length === 0) return { error: 'must not be empty' };
  return { argv };
}
