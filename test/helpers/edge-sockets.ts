// What the kernel says about a listener's accepted connections (iproute2's `ss`): how many
// requests the server has read. Lets an edge test wait until its requests have arrived (and
// are being held or served) without a seam in src/http and without a fixed sleep.
import { execFileSync } from 'node:child_process';

/**
 * The connections to 127.0.0.1:`port` on which the server has received bytes and read them all
 * (empty receive queue). The edge parses what it reads at once, so each is a request it holds,
 * forwards or serves.
 */
export function requestsRead(port: number): number {
  const out = execFileSync('ss', ['-Htin', 'state', 'established', `( sport = :${port} )`], {
    encoding: 'utf8',
  });
  let read = 0;
  let queued = 0;
  for (const line of out.split('\n')) {
    if (/^\d/.test(line)) {
      // Recv-Q Send-Q local peer
      queued = Number(line.split(/\s+/)[0]);
    } else {
      const received = Number(/bytes_received:(\d+)/.exec(line)?.[1] ?? 0);
      if (received > 0 && queued === 0) read++;
    }
  }
  return read;
}

/** Bytes the server has read so far on its established connections to 127.0.0.1:`port`. */
export function bytesRead(port: number): number {
  const out = execFileSync('ss', ['-Htin', 'state', 'established', `( sport = :${port} )`], {
    encoding: 'utf8',
  });
  let read = 0;
  let queued = 0;
  for (const line of out.split('\n')) {
    if (/^\d/.test(line)) queued = Number(line.split(/\s+/)[0]);
    else read += Number(/bytes_received:(\d+)/.exec(line)?.[1] ?? 0) - queued;
  }
  return read;
}
