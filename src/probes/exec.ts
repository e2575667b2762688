// The exec probe: runs argv in its own process group through node's child_process (so the
// PID-1 reaper knows the pid); passes on exit 0. On abort, and after the exit for anything the
// probe left running in the background, the whole process group is SIGKILLed.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { ProbeCheck, ProbeHost } from './types.js';

const TAIL_BYTES = 4096;
const MAX_LINE = 200;
/** How long output may still arrive after the child exited before its pipes are closed. */
const DRAIN_MS = 100;

/** Keeps only the last few KiB of a stream, so a chatty probe costs bounded memory. */
function tail(stream: Readable | null): () => string {
  let buf = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    buf = (buf + chunk).slice(-TAIL_BYTES);
  });
  stream?.on('error', () => undefined);
  return () => buf;
}

/** The last non-empty line of `text`, trimmed and bounded. */
export function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const line = lines.reverse().find((l) => l.length > 0) ?? '';
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
}

function killGroup(host: ProbeHost, pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    host.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already gone
  }
}

/** Runs `cfg.argv`; rejects with "exit code N: <last stderr line>" on failure. */
export const execCheck: ProbeCheck = (cfg, signal, host) =>
  new Promise<void>((resolve, reject) => {
    const [file, ...args] = cfg.argv;
    if (!file) throw new Error('exec probe has an empty argv');
    signal.throwIfAborted();
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const stdout = tail(child.stdout);
    const stderr = tail(child.stderr);
    let drain: NodeJS.Timeout | undefined;
    let failure: Error | undefined;
    const onAbort = (): void => {
      failure = new Error('aborted');
      killGroup(host, child.pid);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err) => {
      failure ??= err;
    });
    // Output a backgrounded grandchild keeps open must not hold the probe past the exit.
    child.once('exit', () => {
      drain = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, DRAIN_MS);
    });
    child.once('close', (code, sig) => {
      clearTimeout(drain);
      signal.removeEventListener('abort', onAbort);
      killGroup(host, child.pid);
      if (failure) return reject(failure);
      if (code === 0) return resolve();
      const line = lastLine(stderr()) || lastLine(stdout());
      const what = code === null ? `killed by ${sig ?? 'a signal'}` : `exit code ${code}`;
      reject(new Error(line ? `${what}: ${line}` : what));
    });
  });
