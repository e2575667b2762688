// Response heads as the raw writers write them. headLines: the status line and the header pairs
// as lines, before the writer's own Connection line and the blank line (hot static answers and
// /api/health, whose heads are built once and kept). writeHead: a proxied answer's head, built
// per response, written with its first body chunk into one reused buffer, in one write.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/** `HTTP/1.1 <status> <reason>\r\n` by status, built once each (llhttp reads 3 digits at most). */
const statusLines = new Map<number, string>();

function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    statusLines.set(status, line);
  }
  return line;
}

/** `HTTP/1.1 <status> <reason>` and a `name: value` line per pair of the flat `pairs`. */
export function headLines(status: number, pairs: readonly string[]): string {
  let out = statusLine(status);
  for (let i = 0; i < pairs.length; i += 2) out += `${pairs[i]}: ${pairs[i + 1]}\r\n`;
  return out;
}

/**
 * Where writeHead assembles a response when it fits. It is reused while every write of it goes
 * to the kernel whole at once: a socket that queues it keeps it, and the next response gets a new
 * one. A socket that is corked or already has bytes queued gets a buffer of its own instead.
 */
const SCRATCH_BYTES = 32 * 1024;
let scratch = Buffer.allocUnsafe(SCRATCH_BYTES);

/**
 * Writes a response head (the status line, the flat `pairs` as lines, then `tail`: the writer's
 * last header lines and the blank line) and `body` after it, framed as one chunk when `chunked`,
 * in one write of one buffer. Returns what `socket.write` returned.
 */
export function writeHead(
  socket: Socket,
  status: number,
  pairs: readonly string[],
  tail: string,
  body: Buffer | null,
  chunked: boolean,
): boolean {
  // One string and one write call: a write call per piece cost more than the string (C++ calls).
  let head = headLines(status, pairs) + tail;
  if (body !== null && chunked) head += `${body.length.toString(16)}\r\n`;
  const size = head.length + (body === null ? 0 : body.length + (chunked ? 2 : 0));
  const reuse = size <= SCRATCH_BYTES && socket.writableLength === 0 && socket.writableCorked === 0;
  const out = reuse ? scratch : Buffer.allocUnsafe(size);
  let at = out.write(head, 0, 'latin1');
  if (body !== null) {
    at += body.copy(out, at);
    if (chunked) {
      out[at++] = 0x0d;
      out[at++] = 0x0a;
    }
  }
  const ok = socket.write(reuse ? out.subarray(0, at) : out);
  if (reuse && socket.writableLength !== 0) scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  return ok;
}
