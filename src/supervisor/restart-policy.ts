// Pure decisions on what happens after a program's process exits: restart now, back off,
// rest as EXITED, or give up as FATAL. Also the capped exponential backoff delay.
import type { ProgramConfig } from '../config/types.js';

export type ExitDecision =
  | { readonly next: 'restart' }
  | { readonly next: 'backoff'; readonly delayMs: number; readonly failures: number }
  | { readonly next: 'exited'; readonly completed: boolean }
  | { readonly next: 'fatal'; readonly failures: number };

export interface ExitFacts {
  /** The run stayed up for start_seconds (its start "stuck"). */
  readonly stuck: boolean;
  /** Exit code in exit_codes and not killed by a signal. */
  readonly expected: boolean;
  /** Consecutive failed starts before this exit. */
  readonly failures: number;
}

type PolicyConfig = Pick<ProgramConfig, 'kind' | 'restart' | 'startRetries' | 'backoff'>;

/** Delay before retry number `failures` (1-based): initial * 2^(failures-1), capped at max. */
export function backoffDelay(backoff: ProgramConfig['backoff'], failures: number): number {
  const exp = Math.min(Math.max(failures - 1, 0), 30);
  return Math.min(backoff.initialMs * 2 ** exp, backoff.maxMs);
}

/** What to do after an exit that nobody asked for. */
export function decideOnExit(cfg: PolicyConfig, facts: ExitFacts): ExitDecision {
  if (cfg.kind === 'oneshot') {
    if (facts.expected) return { next: 'exited', completed: true };
    return failedStart(cfg, facts.failures);
  }
  const wantsRestart =
    cfg.restart === 'always' || (cfg.restart === 'on-failure' && !facts.expected);
  if (facts.stuck) return wantsRestart ? { next: 'restart' } : { next: 'exited', completed: false };
  // The process did not stay up for start_seconds: a failed start.
  if (cfg.restart === 'never' || (cfg.restart === 'on-failure' && facts.expected)) {
    return facts.expected
      ? { next: 'exited', completed: false }
      : { next: 'fatal', failures: facts.failures + 1 };
  }
  return failedStart(cfg, facts.failures);
}

/** A start that failed (`before` failures already): back off, or give up once past start_retries. */
export function failedStart(
  cfg: PolicyConfig,
  before: number,
): Extract<ExitDecision, { next: 'backoff' | 'fatal' }> {
  const failures = before + 1;
  if (cfg.restart === 'never' || failures > cfg.startRetries) return { next: 'fatal', failures };
  return { next: 'backoff', delayMs: backoffDelay(cfg.backoff, failures), failures };
}
