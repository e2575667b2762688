// HTTP load through the front door with wrk (Debian's wrk 4): requests/s, p50/p99 latency,
// and the errors and non-2xx/3xx answers it counted.
import { runTracked } from './run-tracked.mjs';

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** "1.23ms" -> 1.23 (milliseconds). */
function toMs(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2]] : null;
}

/**
 * Parses wrk's --latency report.
 * @param {string} out
 */
export function parseWrk(out) {
  const pick = (re) => re.exec(out)?.[1];
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(pick(/Requests\/sec:\s+([\d.]+)/) ?? NaN),
    p50: toMs(pick(/^\s+50%\s+(\S+)/m) ?? ''),
    p99: toMs(pick(/^\s+99%\s+(\S+)/m) ?? ''),
    requests: Number(pick(/(\d+) requests in/) ?? 0),
    non2xx: Number(pick(/Non-2xx or 3xx responses: (\d+)/) ?? 0),
    socketErrors: socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}

/**
 * Runs wrk against `url` for `seconds` with `connections` (one thread: the server under test
 * needs the other core).
 * @param {import('./procs.mjs').ProcessTracker} tracker
 * @param {string} url
 * @param {{seconds: number, connections: number, headers?: string[]}} opts
 */
export async function wrk(tracker, url, { seconds, connections, headers = [] }) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '--latency'];
  for (const h of headers) args.push('-H', h);
  args.push(url);
  const r = await runTracked(tracker, 'wrk', args, { timeoutMs: (seconds + 15) * 1000 });
  if (r.code !== 0) throw new Error(`wrk ${url} failed (${r.code}): ${r.stderr.trim()}`);
  return parseWrk(r.stdout);
}
