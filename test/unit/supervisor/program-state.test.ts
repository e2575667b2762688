import { describe, expect, it } from 'vitest';
import { STATES } from '../../../src/supervisor/api.js';
import {
  TRANSITIONS,
  TransitionError,
  canTransition,
  transition,
} from '../../../src/supervisor/program-state.js';

describe('program state table', () => {
  it('covers every state', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...STATES].sort());
  });

  it('allows the supervisord lifecycle', () => {
    expect(transition('STOPPED', 'STARTING')).toBe('STARTING');
    expect(transition('STARTING', 'RUNNING')).toBe('RUNNING');
    expect(transition('STARTING', 'BACKOFF')).toBe('BACKOFF');
    expect(transition('BACKOFF', 'STARTING')).toBe('STARTING');
    expect(transition('BACKOFF', 'FATAL')).toBe('FATAL');
    expect(transition('RUNNING', 'STOPPING')).toBe('STOPPING');
    expect(transition('STOPPING', 'STOPPED')).toBe('STOPPED');
    expect(transition('RUNNING', 'EXITED')).toBe('EXITED');
    expect(transition('EXITED', 'STARTING')).toBe('STARTING');
  });

  it('rejects illegal moves', () => {
    expect(() => transition('STOPPED', 'RUNNING')).toThrow(TransitionError);
    expect(() => transition('STOPPING', 'STARTING')).toThrow(/STOPPING -> STARTING/);
    expect(canTransition('FATAL', 'RUNNING')).toBe(false);
    expect(canTransition('EXITED', 'STOPPED')).toBe(true);
  });
});
