// The ordered shutdown: let the HTTP edge drain, then stop programs in reverse start order
// (each with its stop signal and stop_timeout), SIGKILL what is left at the global deadline.
import type { EventLogger } from './api.js';
import { stopBlockers } from './order.js';
import type { Program } from './program.js';

/** The most a shutdown waits for the HTTP edge to drain before signalling programs. */
const DRAIN_MAX_MS = 5_000;
/** After the shutdown deadline's SIGKILL, how long to wait for the kernel to report exits. */
const KILL_GRACE_MS = 2_000;

export interface ShutdownPlan {
  /** Programs in start order. */
  readonly order: readonly Program[];
  readonly timeoutMs: number;
  /** Drains the HTTP edge; gets at most half of the timeout. */
  readonly drain: (budgetMs: number) => Promise<void>;
  readonly logger: EventLogger;
}

/**
 * Signals each program once every program that must stop before it has stopped (see
 * stopBlockers: reverse start order, equal priorities without dependencies together).
 */
function stopInOrder(order: readonly Program[], killed: () => boolean): Promise<void> {
  const blockers = stopBlockers(order.map((p) => p.cfg));
  const signalled = new Set<string>();
  const done = new Set<string>();
  return new Promise((resolve) => {
    const tick = (): void => {
      if (done.size === order.length) return resolve();
      for (const p of order) {
        if (signalled.has(p.name)) continue;
        if (!(blockers.get(p.name) ?? []).every((b) => done.has(b))) continue;
        signalled.add(p.name);
        if (killed()) p.send({ type: 'kill' });
        void p.stop('shutdown').then(() => {
          done.add(p.name);
          tick();
        });
      }
    };
    tick();
  });
}

/** Runs the whole shutdown; resolves once every program rests or the deadline's grace ran out. */
export async function stopEverything(plan: ShutdownPlan): Promise<void> {
  let killed = false;
  let deadline: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    deadline = setTimeout(() => {
      killed = true;
      plan.logger.warn({}, 'shutdown timeout reached: killing what is left');
      for (const p of plan.order) p.send({ type: 'kill' });
      setTimeout(resolve, KILL_GRACE_MS).unref();
    }, plan.timeoutMs);
  });
  const drained = plan
    .drain(Math.min(plan.timeoutMs / 2, DRAIN_MAX_MS))
    .catch((err: unknown) => plan.logger.warn({ err: String(err) }, 'drain failed'));
  await Promise.race([drained, expired]);
  const ordered = stopInOrder(plan.order, () => killed);
  await Promise.race([ordered, expired]);
  clearTimeout(deadline);
  for (const p of plan.order) p.dispose();
}
