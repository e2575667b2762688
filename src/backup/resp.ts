// A tiny RESP client for the backup room: one connection, one command at a time, replies as
// strings, integers, arrays or errors. Enough for BGSAVE, LASTSAVE, CONFIG GET and DBSIZE.
// The URL and the command encoding are the redis probe's (probes/resp.ts).
import { connect, type Socket } from 'node:net';
import { encodeCommand, parseRedisUrl } from '../probes/resp.js';

/** A full RESP reply (the probe reads only simple lines): string, integer, null or array. */
export type RespValue = string | number | null | RespValue[];

/** One connection to a redis server. */
export class RespClient {
  private buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: RespValue) => void; reject: (e: Error) => void } | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('redis closed the connection')));
  }

  /** Connects to a redis:// URL (host, port, optional password), failing after `timeoutMs`. */
  static async open(url: string, timeoutMs: number): Promise<RespClient> {
    const target = parseRedisUrl(url);
    const socket = connect({ host: target.host, port: target.port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('redis did not answer in time')));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RespClient(socket);
    const { username, password } = target;
    if (password !== undefined) {
      await client.command(...(username ? ['AUTH', username, password] : ['AUTH', password]));
    }
    return client;
  }

  /** Sends one command and resolves with its reply; a redis error reply rejects. */
  command(...args: string[]): Promise<RespValue> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(encodeCommand(args));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private fail(err: Error): void {
    const w = this.waiting;
    this.waiting = null;
    w?.reject(err);
  }

  private drain(): void {
    if (!this.waiting) return;
    const parsed = parse(this.buffer, 0);
    if (parsed === null) return;
    this.buffer = this.buffer.subarray(parsed.end);
    const w = this.waiting;
    this.waiting = null;
    if (parsed.error) w.reject(new Error(`redis: ${parsed.error}`));
    else w.resolve(parsed.value);
  }
}

interface Parsed {
  value: RespValue;
  end: number;
  error?: string;
}

function parse(buf: Buffer, at: number): Parsed | null {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return null;
  const kind = String.fromCharCode(buf[at] ?? 0);
  const line = buf.toString('utf8', at + 1, eol);
  const next = eol + 2;
  switch (kind) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: null, end: next, error: line };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return null;
      return { value: buf.toString('utf8', next, next + len), end: next + len + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let pos = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buf, pos);
        if (item === null) return null;
        items.push(item.value);
        pos = item.end;
      }
      return { value: items, end: pos };
    }
    default:
      return { value: null, end: buf.length, error: `unexpected reply "${kind}"` };
  }
}
