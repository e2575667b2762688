// The program state machine: one explicit table of allowed transitions (supervisord's state
// names) and a pure transition function. Everything that changes a program's state goes here.
import type { State } from './api.js';

/** For each state, the states it may move to. */
export const TRANSITIONS: Readonly<Record<State, readonly State[]>> = {
  STOPPED: ['STARTING'],
  STARTING: ['RUNNING', 'BACKOFF', 'STOPPING', 'EXITED', 'FATAL'],
  RUNNING: ['EXITED', 'BACKOFF', 'STOPPING', 'FATAL'],
  BACKOFF: ['STARTING', 'STOPPED', 'FATAL'],
  STOPPING: ['STOPPED'],
  EXITED: ['STARTING', 'STOPPED'],
  FATAL: ['STARTING', 'STOPPED'],
};

/** States in which the program has (or is about to have) a live process. */
export const ACTIVE_STATES: ReadonlySet<State> = new Set(['STARTING', 'RUNNING', 'STOPPING']);

/** States in which nothing runs and nothing is scheduled. */
export const RESTING_STATES: ReadonlySet<State> = new Set(['STOPPED', 'EXITED', 'FATAL']);

export class TransitionError extends Error {
  constructor(
    readonly from: State,
    readonly to: State,
  ) {
    super(`illegal program state transition ${from} -> ${to}`);
  }
}

/** Returns `to` when the table allows `from -> to`, else throws TransitionError. */
export function transition(from: State, to: State): State {
  if (!TRANSITIONS[from].includes(to)) throw new TransitionError(from, to);
  return to;
}

/** Whether `from -> to` is allowed. */
export function canTransition(from: State, to: State): boolean {
  return TRANSITIONS[from].includes(to);
}
