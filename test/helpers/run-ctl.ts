// Runs the built appos-ctl (dist/ctl.js) as a real subprocess: to completion with its exit
// code and output, or in the background for follow modes. Needs `npm run build` first.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI. */
export const CTL = fileURLToPath(new URL('../../dist/ctl.js', import.meta.url));

export interface CtlResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CtlOptions {
  /** Extra environment; APPOS_CTL_SOCKET is removed from the inherited one unless given here. */
  env?: Record<string, string>;
  /** Run through this prefix, e.g. ['setpriv', '--reuid=65534', ...]. */
  prefix?: string[];
  timeoutMs?: number;
}

/** A CLI run in the background; `stdout`/`stderr` grow as it prints. */
export interface RunningCtl {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Settles when the process exits. */
  exited: Promise<CtlResult>;
}

function assertBuilt(): void {
  if (!existsSync(CTL)) throw new Error(`${CTL} is missing: run \`npm run build\` first`);
}

/** Starts `appos-ctl ...args` without waiting for it. */
export function spawnCtl(args: string[], options: CtlOptions = {}): RunningCtl {
  assertBuilt();
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.APPOS_CTL_SOCKET;
  Object.assign(env, options.env);
  const argv = [...(options.prefix ?? []), process.execPath, CTL, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const exited = new Promise<CtlResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
  };
}

/** Runs `appos-ctl ...args` to completion. */
export function runCtl(args: string[], options: CtlOptions = {}): Promise<CtlResult> {
  return spawnCtl(args, options).exited;
}
