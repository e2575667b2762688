// Launches every wanted, resting program whose dependencies are satisfied, in start order, and
// remembers why the others still wait. Re-entrant calls (a launch settling at once) loop.
import { type Lookup, blocker } from './dependencies.js';
import type { Program } from './program.js';

/** Decides which wanted programs may start now; the supervisor calls `run` after every event. */
export class Scheduler {
  /** Why a wanted program still waits: its unsatisfied dependency. */
  readonly #waiting = new Map<string, string>();
  #running = false;
  #again = false;

  constructor(
    private readonly order: () => readonly Program[],
    private readonly lookup: Lookup,
    private readonly stopping: () => boolean,
  ) {}

  /** The dependency program `name` waits for, or undefined when it is not waiting. */
  waitingFor(name: string): string | undefined {
    return this.#waiting.get(name);
  }

  /** Forgets why `name` waits (it is stopped or removed). */
  forget(name: string): void {
    this.#waiting.delete(name);
  }

  /** Forgets every reason to wait (shutdown). */
  forgetAll(): void {
    this.#waiting.clear();
  }

  /** Launches every wanted, resting program whose dependencies are satisfied. */
  run(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      do {
        this.#again = false;
        this.#pass();
      } while (this.#again);
    } finally {
      this.#running = false;
    }
  }

  #pass(): void {
    if (this.stopping()) return;
    for (const p of this.order()) {
      if (!p.pending || !p.resting) continue;
      const why = blocker(p, this.lookup);
      if (why) {
        this.#waiting.set(p.name, why);
        continue;
      }
      this.#waiting.delete(p.name);
      p.send({ type: 'launch', reason: p.run === 0 ? 'autostart' : 'start requested' });
    }
  }
}
