// Runs one probe on a schedule: after `initialDelayMs`, then `intervalMs` after the end of each
// check, never two at once. Counts consecutive failures; once stopped it reports nothing more.
import type { ProbeConfig } from '../config/types.js';
import { runProbe } from './index.js';
import type { ProbeHost, ProbeOutcome } from './types.js';

/** The shortest pause between checks, whatever the config says: no busy loops. */
const MIN_INTERVAL_MS = 10;

/** Called after every check with its outcome and the failures in a row including it. */
export type ProbeListener = (outcome: ProbeOutcome, consecutiveFailures: number) => void;

/** Schedules checks of one probe and reports each outcome. */
export class ProbeRunner {
  readonly #cfg: ProbeConfig;
  #intervalMs: number;
  readonly #host: ProbeHost;
  readonly #onResult: ProbeListener;
  #timer: NodeJS.Timeout | undefined;
  #inflight: AbortController | undefined;
  /** Bumped by start() and stop(): a check from an older epoch is dropped silently. */
  #epoch = 0;
  #running = false;
  #last: ProbeOutcome | null = null;
  #failures = 0;
  #lastEnd = 0;

  /**
   * @param cfg the probe; its `intervalMs`, `timeoutMs` and `initialDelayMs` drive the schedule.
   * @param host what the checks may ask of apposd's process (see ProbeHost).
   * @param onResult called after every check of a running runner; it should not throw (an
   *   exception is swallowed so that probing goes on).
   */
  constructor(cfg: ProbeConfig, host: ProbeHost, onResult: ProbeListener) {
    this.#cfg = cfg;
    this.#host = host;
    this.#intervalMs = Math.max(MIN_INTERVAL_MS, cfg.intervalMs);
    this.#onResult = onResult;
  }

  /** The last outcome, or null before the first check completes. */
  get last(): ProbeOutcome | null {
    return this.#last;
  }

  /** Failed checks in a row (0 after a pass). */
  get consecutiveFailures(): number {
    return this.#failures;
  }

  /** True between start() and stop(). */
  get running(): boolean {
    return this.#running;
  }

  /** The current pause between checks in ms. */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /**
   * Begins probing: the first check after `initialDelayMs`. No-op while running. A runner may
   * be started again after stop(); `last` and `consecutiveFailures` then start afresh.
   */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#epoch += 1;
    this.#last = null;
    this.#failures = 0;
    this.#schedule(Math.max(0, this.#cfg.initialDelayMs));
  }

  /** Cancels the next check and aborts one in flight; onResult is not called again. */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#epoch += 1;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#inflight?.abort();
    this.#inflight = undefined;
  }

  /**
   * Changes the pause between checks (for example a slower cadence once a program is ready).
   * A pending wait is shortened or stretched to end `ms` after the previous check ended.
   */
  setInterval(ms: number): void {
    this.#intervalMs = Math.max(MIN_INTERVAL_MS, ms);
    if (this.#running && this.#timer !== undefined && this.#lastEnd > 0) {
      clearTimeout(this.#timer);
      this.#schedule(Math.max(0, this.#lastEnd + this.#intervalMs - performance.now()));
    }
  }

  #schedule(delayMs: number): void {
    const epoch = this.#epoch;
    this.#timer = setTimeout(() => void this.#tick(epoch), delayMs);
  }

  async #tick(epoch: number): Promise<void> {
    this.#timer = undefined;
    const controller = new AbortController();
    this.#inflight = controller;
    const outcome = await runProbe(this.#cfg, this.#host, controller.signal);
    if (epoch !== this.#epoch) return;
    this.#inflight = undefined;
    this.#lastEnd = performance.now();
    this.#last = outcome;
    this.#failures = outcome.ok ? 0 : this.#failures + 1;
    this.#schedule(this.#intervalMs);
    try {
      this.#onResult(outcome, this.#failures);
    } catch {
      // the listener's failure must not stop the probing
    }
  }
}
