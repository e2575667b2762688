// What becomes of a proxied request its upstream did not answer: sent again, held until its
// program is back, or answered 502/503 (CONTRACT.md "Upstream errors"). One set of rules for
// both forwarders (the hot path's and node:http's).
import type { ProxyRoute } from '../routes.js';
import type { ProgramView, UpstreamStates } from './upstream-state.js';

/** At most this many extra attempts per request (a stale pooled socket, then a restart). */
export const MAX_RETRIES = 2;
const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What a request keeps across its attempts. */
export interface Attempts {
  retries: number;
  /** Epoch ms the hold budget ends; 0 until the first wait. */
  holdDeadline: number;
  /** The program's epoch when the request was last sent. */
  epoch: number;
}

/** What a failed attempt leads to. */
export type NextStep = 'send' | 'hold' | 'answer';

/** What is known of one failed attempt. */
export interface Failure {
  readonly code: string | undefined;
  readonly method: string;
  /** The request carries no body (only such requests are sent again). */
  readonly bodyless: boolean;
  /** It failed before the upstream could have acted on it (a stale pooled socket, say). */
  readonly retryable: boolean;
}

/** Milliseconds `a` may still wait for `view` on `route` (0: no hold, or the budget is spent). */
export function holdLeft(
  a: Pick<Attempts, 'holdDeadline'>,
  route: ProxyRoute,
  view: ProgramView,
  states: UpstreamStates,
  now = Date.now(),
): number {
  if (route.holdMs <= 0 || !states.holdable(view)) return 0;
  if (a.holdDeadline === 0) a.holdDeadline = now + route.holdMs;
  return a.holdDeadline - now;
}

/**
 * The next step after `f` for a request on `route` (program `view`, or null); counts the retry
 * when it is one. Within a hold, every refused attempt waits for the program's next comeback:
 * the hold's deadline, not a retry count, bounds it.
 */
export function afterFailure(
  a: Attempts,
  f: Failure,
  route: ProxyRoute,
  view: ProgramView | null,
  states: UpstreamStates,
): NextStep {
  if (!f.bodyless) return 'answer';
  const idempotent = IDEMPOTENT.has(f.method);
  const reset = f.code === 'ECONNRESET' || f.code === 'EPIPE';
  const again = a.retries < MAX_RETRIES;
  let next: NextStep = 'answer';
  if (idempotent && reset && f.retryable && again) next = 'send';
  else if (view !== null && (f.code === 'ECONNREFUSED' || (idempotent && reset))) {
    if (view.up && view.epoch !== a.epoch && again) next = 'send';
    else if (holdLeft(a, route, view, states) > 0) next = 'hold';
  }
  if (next !== 'answer') a.retries++;
  return next;
}
