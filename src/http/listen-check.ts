// A cheap check, before apposd spawns anything, that the public listen address can be bound:
// a taken port then refuses the start instead of leaving a half-started stack.
import { createServer } from 'node:net';
import { AppError } from '../errors.js';

/** Resolves when `host:port` could be bound a moment ago; rejects with a readable error. */
export function assertCanListen(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'is already in use' : `cannot be bound (${err.code})`;
      reject(new AppError('APPOS_ERR_LISTEN', `http.listen ${host}:${port} ${why}`));
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
