// The probes' entry point: runs one check of the configured kind under a deadline, measures
// it, and turns every failure into a secret-free outcome. Never rejects.
import type { ProbeConfig, ProbeKind } from '../config/types.js';
import { describeError, targetSecrets } from './redact.js';
import type { ProbeCheck, ProbeHost, ProbeOutcome } from './types.js';

export type { ProbeCheck, ProbeHost, ProbeOutcome } from './types.js';

/** The check for each probe kind, loaded on first use: most programs need only one kind. */
export const CHECKS: Readonly<Record<ProbeKind, () => Promise<ProbeCheck>>> = {
  tcp: () => import('./tcp.js').then((m) => m.tcpCheck),
  http: () => import('./http.js').then((m) => m.httpCheck),
  exec: () => import('./exec.js').then((m) => m.execCheck),
  redis: () => import('./redis.js').then((m) => m.redisCheck),
  pocketbase: () => import('./pocketbase.js').then((m) => m.pocketbaseCheck),
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
  // An abort while the check's module still loads is no unhandled rejection: the race reports it.
  promise.catch(() => undefined);
  return { promise, off };
}

/**
 * Runs one check of `cfg` and reports it. The check is aborted after `cfg.timeoutMs` (the
 * outcome then says "timed out after N ms") or when `signal` aborts ("probe stopped").
 * Resolves in every case; error messages never carry the target's userinfo or password.
 */
export async function runProbe(
  cfg: ProbeConfig,
  host: ProbeHost,
  signal?: AbortSignal,
): Promise<ProbeOutcome> {
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new ProbeTimeout(cfg.timeoutMs)), cfg.timeoutMs);
  const stop = (): void => controller.abort(new Error('probe stopped'));
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  const aborted = whenAborted(controller.signal);
  let error: string | undefined;
  try {
    const load = CHECKS[cfg.kind];
    if (!load) throw new Error(`unknown probe kind "${String(cfg.kind)}"`);
    const check = await load();
    await Promise.race([check(cfg, controller.signal, host), aborted.promise]);
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
