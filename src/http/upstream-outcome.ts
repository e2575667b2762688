// How an exchange with an upstream ended, as the edge reports it to whoever listens (the
// supervisor's "edge evidence"): the one vocabulary and the mapping from socket error codes.
import type { ProxyRoute } from './routes.js';

/** The end of one exchange with an upstream: answered, timed out, reset, or refused. */
export type UpstreamOutcome = 'ok' | 'timeout' | 'reset' | 'refused';

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
