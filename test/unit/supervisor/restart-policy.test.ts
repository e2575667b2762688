import { describe, expect, it } from 'vitest';
import { backoffDelay, decideOnExit } from '../../../src/supervisor/restart-policy.js';

const daemon = {
  kind: 'daemon' as const,
  restart: 'always' as const,
  startRetries: 3,
  backoff: { initialMs: 200, maxMs: 1000 },
};

describe('backoff', () => {
  it('doubles from the initial delay and caps at max', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(daemon.backoff, n))).toEqual([
      200, 400, 800, 1000, 1000,
    ]);
  });
});

describe('decideOnExit', () => {
  it('restarts a daemon whose start stuck, at once', () => {
    expect(decideOnExit(daemon, { stuck: true, expected: false, failures: 0 })).toEqual({
      next: 'restart',
    });
  });

  it('backs off a failed start with growing delays, then gives up', () => {
    expect(decideOnExit(daemon, { stuck: false, expected: false, failures: 0 })).toEqual({
      next: 'backoff',
      delayMs: 200,
      failures: 1,
    });
    expect(decideOnExit(daemon, { stuck: false, expected: false, failures: 2 })).toEqual({
      next: 'backoff',
      delayMs: 800,
      failures: 3,
    });
    expect(decideOnExit(daemon, { stuck: false, expected: false, failures: 3 })).toEqual({
      next: 'fatal',
      failures: 4,
    });
  });

  it('honours on-failure and never', () => {
    const onFailure = { ...daemon, restart: 'on-failure' as const };
    expect(decideOnExit(onFailure, { stuck: true, expected: true, failures: 0 })).toEqual({
      next: 'exited',
      completed: false,
    });
    expect(decideOnExit(onFailure, { stuck: true, expected: false, failures: 0 }).next).toBe(
      'restart',
    );
    const never = { ...daemon, restart: 'never' as const };
    expect(decideOnExit(never, { stuck: true, expected: false, failures: 0 }).next).toBe('exited');
    expect(decideOnExit(never, { stuck: false, expected: false, failures: 0 }).next).toBe('fatal');
  });

  it('completes a oneshot on an expected code and retries a failing one', () => {
    const oneshot = { ...daemon, kind: 'oneshot' as const, restart: 'on-failure' as const };
    expect(decideOnExit(oneshot, { stuck: false, expected: true, failures: 0 })).toEqual({
      next: 'exited',
      completed: true,
    });
    expect(decideOnExit(oneshot, { stuck: true, expected: false, failures: 0 }).next).toBe(
      'backoff',
    );
    const once = { ...oneshot, restart: 'never' as const };
    expect(decideOnExit(once, { stuck: false, expected: false, failures: 0 }).next).toBe('fatal');
  });
});
