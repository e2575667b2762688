// The outcome of a start: wait until the program runs (or completes), rests for good, can
// never start because of a dependency, or the timeout passes.
import type { ActionResult, SupervisorEvent } from './api.js';
import { type Lookup, givenUp, hopeless } from './dependencies.js';
import type { Program } from './program.js';

export interface OutcomeOptions {
  readonly timeoutMs: number;
  readonly lookup: Lookup;
  /** The dependency a wanted program waits for, if any. */
  readonly waiting: (name: string) => string | undefined;
  readonly subscribe: (listener: (e: SupervisorEvent) => void) => () => void;
}

/** Waits for `p` to settle after a start: RUNNING/completed is success, a rest is failure. */
export function awaitOutcome(p: Program, o: OutcomeOptions): Promise<ActionResult> {
  const verdict = (): ActionResult | null => {
    if (p.state === 'RUNNING' || p.completed) return { name: p.name, ok: true, message: 'started' };
    if (givenUp(p)) {
      const message = p.spawnError ? `spawn failed: ${p.spawnError}` : p.reason;
      return { name: p.name, ok: false, message };
    }
    const stuck = p.state === 'STOPPED' ? hopeless(p, o.lookup) : null;
    return stuck ? { name: p.name, ok: false, message: stuck } : null;
  };
  const now = verdict();
  if (now) return Promise.resolve(now);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      const waiting = o.waiting(p.name);
      const why = p.state === 'STOPPED' && waiting ? waiting : `state ${p.state}`;
      resolve({ name: p.name, ok: false, message: `timed out (${why})` });
    }, o.timeoutMs);
    // Any program's transition may settle it: a dependency can go FATAL.
    const off = o.subscribe((e) => {
      if (e.type !== 'transition') return;
      const v = verdict();
      if (v) {
        clearTimeout(timer);
        off();
        resolve(v);
      }
    });
  });
}
