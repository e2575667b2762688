// The shapes every probe shares: a check (one attempt against a target) and its outcome.
// The supervisor and the views carry ProbeOutcome as is; probes never import the supervisor.
import type { ProbeConfig } from '../config/types.js';
import type { Host } from '../host.js';

/** What a check may ask of apposd's process: kill, for what an exec probe leaves running. */
export type ProbeHost = Pick<Host, 'kill'>;

/**
 * One attempt of a probe. Resolves when the target passes; rejects with an Error whose
 * message is short and readable ("HTTP 500", "connect ECONNREFUSED 127.0.0.1:6379").
 * Must stop its work and release every socket/process when `signal` aborts.
 */
export type ProbeCheck = (cfg: ProbeConfig, signal: AbortSignal, host: ProbeHost) => Promise<void>;

/** The result of one check, as reported to the supervisor. */
export interface ProbeOutcome {
  readonly ok: boolean;
  /** Epoch ms of the check's end. */
  readonly at: number;
  readonly latencyMs: number;
  /** Human-readable failure; absent when ok. Never contains secrets from the target. */
  readonly error?: string;
}
