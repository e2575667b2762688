// The tcp probe: passes when a TCP connection to "host:port" (or "[v6]:port") is established.
import { connect } from 'node:net';
import type { ProbeCheck } from './types.js';

/** Splits "host:port" or "[::1]:port" into its parts; throws on anything else. */
export function parseHostPort(target: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(target) ?? /^([^:[\]]+):(\d+)$/.exec(target);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`invalid tcp target "${target}" (expected host:port)`);
  }
  return { host: m[1], port };
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
