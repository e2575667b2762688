// What a process holds in memory, as the kernel counts it: the resident set now (VmRSS) and at
// its highest so far (VmHWM), in bytes.
import { readFileSync } from 'node:fs';

export const MiB = 1024 * 1024;

/** VmRSS and VmHWM of `pid`, in bytes (throws when the process is gone). */
export function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number =>
    Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}
