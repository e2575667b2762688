#!/usr/bin/env node
// appos-ctl's composition root and the only CLI file that touches process.*: argv and env in,
// the terminal (stdout, stderr, SIGINT/SIGTERM) for the verbs in src/cli/, the exit code out.
import type { Terminal } from './cli/context.js';
import { CtlSession } from './cli/command-line.js';
import { EXIT } from './errors.js';

const term: Terminal = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  onInterrupt: (stop) => {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
  },
};
const session = new CtlSession(term);

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // The reader went away (`appos-ctl logs -f | head`): nothing left to say.
  process.exit(err.code === 'EPIPE' ? EXIT.OK : EXIT.FAILED);
});
process.on('uncaughtException', (err) => process.exit(session.report(err)));
process.on('unhandledRejection', (err) => process.exit(session.report(err)));

session.run(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = session.report(err);
  },
);
