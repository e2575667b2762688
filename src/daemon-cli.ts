// apposd's command line: the usage text and the parsing of its arguments into a Cli; main.ts
// passes process.argv in and acts on the result.
import { parseArgs } from 'node:util';

/** `apposd --help`. */
export const USAGE = `usage: apposd [--config PATH]          run the supervisor
       apposd check [--config PATH]    validate the config and print the start plan
       --host-independent              (check or run) skip the host checks: commands on
                                       PATH, users and groups, cwd, env_file present
       apposd schema                   print the config's JSON Schema
       apposd export compose|k8s [--config PATH] [-o FILE]
                                       the same stack for docker compose or Kubernetes
       apposd --version`;

/** What apposd's command line asks for. */
export interface Cli {
  command: 'run' | 'check' | 'schema' | 'version' | 'help' | 'export';
  config: string | undefined;
  /** Skip the host checks (for a config meant for another machine). */
  hostIndependent: boolean;
  target?: 'compose' | 'k8s';
  output?: string;
}

/** Parses apposd's arguments (without node and the script); throws an Error on bad usage. */
export function parseCli(argv: string[]): Cli {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      output: { type: 'string', short: 'o' },
      version: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
      'host-independent': { type: 'boolean' },
    },
  });
  const hostIndependent = values['host-independent'] === true;
  if (values.help) return { command: 'help', config: undefined, hostIndependent };
  if (values.version) return { command: 'version', config: undefined, hostIndependent };
  const [verb, ...rest] = positionals;
  if (verb === 'export') {
    const [target, extra] = rest;
    if (target !== 'compose' && target !== 'k8s') throw new Error('export needs compose or k8s');
    if (extra !== undefined) throw new Error(`unexpected argument "${extra}"`);
    return {
      command: 'export',
      config: values.config,
      target,
      output: values.output,
      hostIndependent: true, // an export is for other machines: no host checks
    };
  }
  if (values.output !== undefined) throw new Error('-o applies to export only');
  if (rest.length > 0) throw new Error(`unexpected argument "${rest[0]}"`);
  const command = verb === undefined ? 'run' : verb;
  if (command !== 'run' && command !== 'check' && command !== 'schema' && command !== 'version') {
    throw new Error(`unknown command "${verb}"`);
  }
  return { command, config: values.config, hostIndependent };
}
