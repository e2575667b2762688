// The few pieces of redis' RESP2 protocol the redis probe needs: the target URL's address and
// credentials, a command as a RESP array, and the simple (+) and error (-) replies read back.

/** Where a redis:// or rediss:// URL points, and the credentials it carries. */
export interface RedisTarget {
  tls: boolean;
  host: string;
  port: number;
  username?: string;
  password?: string;
}

const DEFAULT_PORT = 6379;

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** Parses `redis://[user][:password]@host[:port][/db]` (or rediss:// for TLS). */
export function parseRedisUrl(target: string): RedisTarget {
  const url = new URL(target);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new Error(`not a redis:// URL: ${url.protocol}`);
  }
  const out: RedisTarget = {
    tls: url.protocol === 'rediss:',
    host: url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
    port: url.port === '' ? DEFAULT_PORT : Number(url.port),
  };
  if (url.password !== '') {
    out.password = decoded(url.password);
    if (url.username !== '') out.username = decoded(url.username);
  }
  return out;
}

/** `args` as a RESP array of bulk strings. */
export function encodeCommand(args: readonly string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
  return Buffer.from(parts.join(''));
}

/** A simple-string (`+PONG`) or error (`-ERR ...`) reply; any other kind is `unexpected`. */
export type Reply =
  | { kind: 'simple'; text: string }
  | { kind: 'error'; text: string }
  | { kind: 'unexpected'; text: string };

/** The longest reply line the probe waits for; a longer one is garbage, not redis. */
export const MAX_REPLY_BYTES = 4096;

/**
 * Reads the first complete reply line of `buf`. Returns it with the bytes it used, or
 * undefined while the line is incomplete. A line over MAX_REPLY_BYTES, or one that is not a
 * simple string or error, is an `unexpected` reply (the probe only sends AUTH and PING).
 */
export function readReply(buf: Buffer): { reply: Reply; used: number } | undefined {
  const end = buf.indexOf('\r\n');
  if (end < 0) {
    if (buf.length <= MAX_REPLY_BYTES) return undefined;
    return { reply: { kind: 'unexpected', text: buf.toString('latin1', 0, 40) }, used: buf.length };
  }
  const line = buf.toString('utf8', 0, end);
  const used = end + 2;
  const text = line.slice(1);
  if (line.startsWith('+')) return { reply: { kind: 'simple', text }, used };
  if (line.startsWith('-')) return { reply: { kind: 'error', text }, used };
  return { reply: { kind: 'unexpected', text: line }, used };
}
