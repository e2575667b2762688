// The operating-system process apposd runs as, as the rest of src/ may use it: its pid, signals
// to other processes, its umask and the signals it receives. Built from `process` by main.ts,
// the only daemon file that touches process.* (eslint.config.js); each module takes a Pick of it.
import { readFileSync } from 'node:fs';

/** What modules may ask of apposd's own OS process; main.ts implements it. */
export interface Host {
  /** apposd's pid. */
  readonly pid: number;
  /** Sends `signal` to `pid` (negative: to that process group); throws like kill(2), e.g. ESRCH. */
  kill(pid: number, signal: NodeJS.Signals): void;
  /** Sets the file mode creation mask and returns the previous one. */
  umask(mask: number): number;
  /** Calls `listener` on every `signal` apposd receives; the returned function unsubscribes. */
  onSignal(signal: NodeJS.Signals, listener: () => void): () => void;
}

/** What spawning and stopping programs needs: the pid to leave out, and kill. */
export type SignalHost = Pick<Host, 'pid' | 'kill'>;

/** The soft limit on open files from /proc/self/limits, or undefined where it cannot be read. */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.slice('Max open files'.length).trim().split(/\s+/)[0]);
    return Number.isSafeInteger(soft) && soft > 0 ? soft : undefined;
  } catch {
    return undefined;
  }
}
