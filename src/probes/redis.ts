// The redis probe (the one ioredis importer): a single-use connection that sends PING and
// expects PONG. No retries, no offline queue, no reconnects; always disconnected afterwards.
import { Redis } from 'ioredis';
import type { ProbeCheck } from './types.js';

/** The message for a redis that is up but still loading its dataset from disk. */
export const LOADING_MESSAGE = 'redis is loading the dataset';

function isLoading(err: unknown): boolean {
  return err instanceof Error && /^LOADING\b/.test(err.message);
}

/** Connects to `cfg.target` (a redis:// or rediss:// URL), PINGs, disconnects. */
export const redisCheck: ProbeCheck = async (cfg, signal) => {
  signal.throwIfAborted();
  const client = new Redis(cfg.target, {
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    autoResubscribe: false,
    disableClientInfo: true,
    protocol: 2,
    connectTimeout: cfg.timeoutMs,
    commandTimeout: cfg.timeoutMs,
    // A socket that does not close after our FIN is destroyed soon, not after ioredis' 2 s.
    disconnectTimeout: 100,
  });
  // The first error that explains a failure (the connect promise only says "Connection is closed").
  let cause: Error | undefined;
  client.on('error', (err: Error) => {
    cause ??= err;
  });
  const onAbort = (): void => client.disconnect();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect();
    const reply = await client.ping();
    if (reply !== 'PONG') throw new Error(`unexpected PING reply "${String(reply).slice(0, 40)}"`);
  } catch (err) {
    if (isLoading(err) || isLoading(cause)) throw new Error(LOADING_MESSAGE, { cause: err });
    throw cause ?? err;
  } finally {
    signal.removeEventListener('abort', onAbort);
    client.disconnect();
  }
};
