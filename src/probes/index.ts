// The probes' entry point: runs one check of the configured kind under a deadline, measures
// it, and turns every failure into a secret-free outcome. Never rejects.
import type { ProbeConfig, ProbeKind } from '../config/types.js';
import { execCheck } from './exec.js';
import { httpCheck } from './http.js';
import { pocketbaseCheck } from './pocketbase.js';
import { describeError, targetSecrets } from './redact.js';
import { redisCheck } from './redis.js';
import { tcpCheck } from './tcp.js';
import type { ProbeCheck, ProbeOutcome } from './types.js';

export type { ProbeCheck, ProbeOutcome } from './types.js';

/** The check for each probe kind. */
export const CHECKS: Readonly<Record<ProbeKind, ProbeCheck>> = {
  tcp: tcpCheck,
  http: httpCheck,
  exec: execCheck,
  redis: redisCheck,
  pocketbase: pocketbaseCheck,
};

class ProbeTimeout extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

/** Rejects with the signal's reason once it aborts; `off()` detaches the listener. */
function whenAborted(signal: AbortSignal): { promise: Promise<never>; off: () => void } {
  let off = (): void => undefined;
  const promise = new Promise<never>((_, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    off = () => signal.removeEventListener('abort', onAbort);
  });
  return { promise, off };
}

/**
 * Runs one check of `cfg` and reports it. The check is aborted after `cfg.timeoutMs` (the
 * outcome then says "timed out after N ms") or when `signal` aborts ("probe stopped").
 * Resolves in every case; error messages never carry the target's userinfo or password.
 */
export async function runProbe(cfg: ProbeConfig, signal?: AbortSignal): Promise<ProbeOutcome> {
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new ProbeTimeout(cfg.timeoutMs)), cfg.timeoutMs);
  const stop = (): void => controller.abort(new Error('probe stopped'));
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  const aborted = whenAborted(controller.signal);
  let error: string | undefined;
  try {
    const check = CHECKS[cfg.kind];
    if (!check) throw new Error(`unknown probe kind "${String(cfg.kind)}"`);
    await Promise.race([check(cfg, controller.signal), aborted.promise]);
  } catch (err) {
    const why = controller.signal.aborted ? controller.signal.reason : err;
    error = describeError(why, targetSecrets(cfg.target));
  } finally {
    clearTimeout(timer);
    aborted.off();
    signal?.removeEventListener('abort', stop);
  }
  const latencyMs = Math.round((performance.now() - started) * 10) / 10;
  return error === undefined
    ? { ok: true, at: Date.now(), latencyMs }
    : { ok: false, at: Date.now(), latencyMs, error };
}
