// How an exchange with an upstream ended, as the edge reports it to whoever listens (the
// supervisor's "edge evidence"): the one vocabulary and the mapping from socket error codes.
import type { UpstreamOutcome } from '../../supervisor/api.js';
import type { ProxyRoute } from '../routes.js';

export type { UpstreamOutcome } from '../../supervisor/api.js';

/**
 * Hears the outcome of every proxied request and websocket upgrade once, with its route
 * (`route.program` names the supervised program, or is null).
 */
export type UpstreamOutcomeSink = (route: ProxyRoute, outcome: UpstreamOutcome) => void;

/** The outcome an upstream socket error stands for. */
export function outcomeOfError(code: string | undefined): UpstreamOutcome {
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT') return 'timeout';
  return 'reset';
}
