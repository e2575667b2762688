// The program states' transition table (supervisord's state names): every move machine.ts may
// make, and nothing else. machine.ts refuses any other move; the table test uses every edge.
import type { State } from '../wire/shapes.js';

/** For each state, the states it may move to. */
export const TRANSITIONS: Readonly<Record<State, readonly State[]>> = {
  STOPPED: ['STARTING'],
  STARTING: ['RUNNING', 'BACKOFF', 'STOPPING', 'EXITED', 'FATAL'],
  RUNNING: ['EXITED', 'BACKOFF', 'STOPPING', 'FATAL'],
  BACKOFF: ['STARTING', 'STOPPED'],
  // A stop that ends a failed start (ready deadline) counts as that start's failure.
  STOPPING: ['STOPPED', 'BACKOFF', 'FATAL'],
  EXITED: ['STARTING'],
  FATAL: ['STARTING'],
};
