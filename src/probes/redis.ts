// The redis probe: one RESP round trip on a single-use socket (TLS for rediss://). AUTH, when
// the URL has a password, goes in the same write as PING; +PONG passes, -LOADING is not ready.
import { connect, isIP, type Socket } from 'node:net';
import type { ProbeCheck } from './types.js';
import { encodeCommand, parseRedisUrl, readReply, type RedisTarget, type Reply } from './resp.js';

/** The message for a redis that is up but still loading its dataset from disk. */
export const LOADING_MESSAGE = 'redis is loading the dataset';

/** AUTH errors of a server without a password: redis then runs PING as usual (as ioredis did). */
const NO_PASSWORD_SET = /no password is set|without any password configured/;

function isLoading(reply: Reply): boolean {
  return reply.kind === 'error' && /^LOADING\b/.test(reply.text);
}

/** Why the replies to [AUTH,] PING mean not ready, or undefined when PING answered PONG. */
function verdict(auth: Reply | undefined, ping: Reply): Error | undefined {
  if ((auth && isLoading(auth)) || isLoading(ping)) return new Error(LOADING_MESSAGE);
  if (auth?.kind === 'error' && !NO_PASSWORD_SET.test(auth.text)) return new Error(auth.text);
  if (ping.kind === 'simple' && ping.text === 'PONG') return undefined;
  if (ping.kind === 'error') return new Error(ping.text);
  return unexpected(ping);
}

function unexpected(reply: Reply): Error {
  return new Error(`unexpected reply from redis "${reply.text.slice(0, 40)}"`);
}

async function open(target: RedisTarget): Promise<Socket> {
  if (!target.tls) return connect({ host: target.host, port: target.port });
  const tls = await import('node:tls');
  // SNI names hosts, never IP addresses (RFC 6066; Node warns on stderr when given one).
  const servername = isIP(target.host) === 0 ? target.host : undefined;
  return tls.connect({ host: target.host, port: target.port, servername });
}

/** Connects to `cfg.target` (a redis:// or rediss:// URL), [AUTHs,] PINGs, closes. */
export const redisCheck: ProbeCheck = async (cfg, signal) => {
  signal.throwIfAborted();
  const target = parseRedisUrl(cfg.target);
  const commands: string[][] = [];
  if (target.password !== undefined) {
    commands.push(['AUTH', ...(target.username ? [target.username] : []), target.password]);
  }
  commands.push(['PING']);
  const socket = await open(target);
  const ready = target.tls ? 'secureConnect' : 'connect';
  await new Promise<void>((resolve, reject) => {
    let buffered: Buffer = Buffer.alloc(0);
    const replies: Reply[] = [];
    const finish = (err?: Error): void => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const onAbort = (): void => finish(new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once(ready, () => {
      socket.setNoDelay(true);
      socket.write(Buffer.concat(commands.map(encodeCommand)));
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      for (let next = readReply(buffered); next; next = readReply(buffered)) {
        replies.push(next.reply);
        buffered = buffered.subarray(next.used);
        if (next.reply.kind === 'unexpected') return finish(unexpected(next.reply));
        if (replies.length === commands.length) {
          const ping = replies[replies.length - 1] as Reply;
          return finish(verdict(replies.length > 1 ? replies[0] : undefined, ping));
        }
      }
    });
    socket.on('error', (err) => finish(err));
    socket.once('close', () => finish(new Error('redis closed the connection before answering')));
  });
};
