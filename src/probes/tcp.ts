// The tcp probe: passes when a TCP connection to "host:port" (or "[v6]:port") is established.
import { connect } from 'node:net';
import { parseHostPort as parseAddress, type HostPort } from '../config/address.js';
import type { ProbeCheck } from './types.js';

/** Splits "host:port" or "[::1]:port" (config/address.ts's grammar); throws on anything else. */
export function parseHostPort(target: string): HostPort {
  const parsed = parseAddress(target);
  if ('error' in parsed || parsed.port < 1) {
    throw new Error(`invalid tcp target "${target}" (expected host:port)`);
  }
  return parsed;
}

/** Connects and immediately destroys the socket. */
export const tcpCheck: ProbeCheck = (cfg, signal) =>
  new Promise<void>((resolve, reject) => {
    const { host, port } = parseHostPort(cfg.target);
    signal.throwIfAborted();
    const socket = connect({ host, port });
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const onAbort = (): void => finish(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish());
    socket.on('error', (err) => finish(err));
  });
