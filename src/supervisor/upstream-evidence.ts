// Counts the edge's evidence against one program: upstream timeouts, resets and refusals in a
// row within one run. A success or a new run starts the count afresh.
import type { UpstreamOutcome } from './api.js';

/** Consecutive upstream failures of one program's current run; says when a threshold is hit. */
export class UpstreamEvidence {
  private run = 0;
  private failures = 0;

  /**
   * Records one outcome for run `run`. Returns the failures in a row when this one reaches
   * `failAfter` (exactly once per streak), else null. 0 never trips.
   */
  record(run: number, outcome: UpstreamOutcome, failAfter: number): number | null {
    if (run !== this.run) {
      this.run = run;
      this.failures = 0;
    }
    if (outcome === 'ok') {
      this.failures = 0;
      return null;
    }
    this.failures += 1;
    return failAfter > 0 && this.failures === failAfter ? this.failures : null;
  }
}
