// The start of a response head as the raw writers (hot static answers, /api/health, proxied
// answers) write it: the status line and the header pairs as lines, before their own
// Connection line and the blank line.
import { STATUS_CODES } from 'node:http';

/** `HTTP/1.1 <status> <reason>` and a `name: value` line per pair of the flat `pairs`. */
export function headLines(status: number, pairs: readonly string[]): string {
  let out = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (let i = 0; i < pairs.length; i += 2) out += `${pairs[i]}: ${pairs[i + 1]}\r\n`;
  return out;
}
