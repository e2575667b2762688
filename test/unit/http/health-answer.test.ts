import { afterEach, describe, expect, it, vi } from 'vitest';
import { rawHealth, type HealthOptions } from '../../../src/http/health/answer.js';
import { FakeSupervisor } from '../../helpers/fake-supervisor.js';

afterEach(() => {
  vi.useRealTimers();
});

function options(supervisor: FakeSupervisor): HealthOptions & { bump(): void } {
  let version = 0;
  return {
    supervisor,
    stopping: () => false,
    version: () => version,
    bump: () => void version++,
  };
}

describe('the health answer', () => {
  it('is computed once per change and per 0.1 s, not per request', () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
    const supervisor = new FakeSupervisor([{ name: 'redis', critical: true }]);
    const status = vi.spyOn(supervisor, 'status');
    const opts = options(supervisor);
    const first = rawHealth('GET', opts, true);
    expect(rawHealth('GET', opts, true)).toEqual(first);
    expect(rawHealth('HEAD', opts, false).status).toBe(200);
    expect(status).toHaveBeenCalledTimes(1);

    supervisor.down('redis', 'BACKOFF');
    opts.bump();
    const changed = rawHealth('GET', opts, true);
    expect(changed.status).toBe(503);
    expect(status).toHaveBeenCalledTimes(2);

    vi.setSystemTime(1_000_100);
    rawHealth('GET', opts, true);
    expect(status).toHaveBeenCalledTimes(3);
  });

  it('is computed on every request without a version', () => {
    const supervisor = new FakeSupervisor([{ name: 'redis', critical: true }]);
    const status = vi.spyOn(supervisor, 'status');
    const opts: HealthOptions = { supervisor, stopping: () => false };
    rawHealth('GET', opts, true);
    supervisor.down('redis', 'BACKOFF');
    expect(rawHealth('GET', opts, true).status).toBe(503);
    expect(status).toHaveBeenCalledTimes(2);
  });
});
