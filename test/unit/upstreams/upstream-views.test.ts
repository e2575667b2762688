// Probed upstreams at every seam that reads them, with fakes at the seams: the edge's views
// (looked up by name like programs: up, hold, waiters), the 503 body naming the upstream, the
// health verdict under `upstreams`, and `appos-ctl status` lines and JSON views.
import { describe, expect, it } from 'vitest';
import { formatHealth, formatStatus } from '../../../src/control/format.js';
import { upstreamErrorBody } from '../../../src/http/proxy/error-responses.js';
import { supervisorSource, UpstreamStates } from '../../../src/http/proxy/upstream-state.js';
import { healthReport, healthView, upstreamView } from '../../../src/wire/views.js';
import { FakeSupervisor } from '../../helpers/fake-supervisor.js';
import { FakeUpstreams } from './fake-upstreams.js';

const NAME = 'backend:8080';

describe('the edge looks a probed upstream up by name like a program', () => {
  it('is up while UP, holdable once it was up, and wakes waiters when it returns', () => {
    const ups = new FakeUpstreams([NAME]);
    const states = new UpstreamStates(supervisorSource(new FakeSupervisor()), 1000, ups);
    const v = states.view(NAME);
    expect(v).toMatchObject({ state: 'UNKNOWN', up: false, wasReady: false });
    expect(states.holdable(v)).toBe(false);
    ups.set(NAME, 'UP');
    expect(v).toMatchObject({ state: 'UP', up: true, wasReady: true, epoch: 1 });
    ups.set(NAME, 'DOWN', 'connect ECONNREFUSED 10.0.0.5:8080');
    expect(v).toMatchObject({ state: 'DOWN', up: false });
    expect(states.holdable(v)).toBe(true);
    const calls: boolean[] = [];
    states.waitReady(v, 10_000, (ok) => calls.push(ok));
    ups.set(NAME, 'DOWN', 'connect ECONNREFUSED 10.0.0.5:8080');
    expect(calls).toEqual([]);
    ups.set(NAME, 'UP');
    expect(calls).toEqual([true]);
    expect(v.epoch).toBe(2);
    states.close();
    expect(ups.subscribers).toBe(0);
  });

  it("answers 503 naming the upstream, its state and its probe's failure", () => {
    const ups = new FakeUpstreams([NAME]);
    const states = new UpstreamStates(supervisorSource(new FakeSupervisor()), 1000, ups);
    ups.set(NAME, 'DOWN', 'connect ECONNREFUSED 10.0.0.5:8080');
    expect(JSON.parse(upstreamErrorBody(states.view(NAME)))).toEqual({
      error: 'upstream_unavailable',
      upstream: NAME,
      state: 'DOWN',
      probe: 'connect ECONNREFUSED 10.0.0.5:8080',
    });
    // programs keep CONTRACT.md's body
    const sup = new FakeSupervisor([{ name: 'backend', state: 'BACKOFF', ready: false }]);
    expect(
      JSON.parse(upstreamErrorBody(new UpstreamStates(supervisorSource(sup)).view('backend'))),
    ).toEqual({
      error: 'upstream_unavailable',
      program: 'backend',
      state: 'BACKOFF',
    });
  });
});

describe('health with probed upstreams', () => {
  it('is starting before any check, ok when UP, degraded and unhealthy when DOWN', () => {
    const ups = new FakeUpstreams([NAME]);
    const sup = new FakeSupervisor();
    const verdict = () => {
      const { healthy, report } = healthReport(sup, Date.now(), false, ups);
      return [healthy, report.status, report.upstreams?.[NAME]?.state];
    };
    expect(verdict()).toEqual([false, 'starting', 'UNKNOWN']);
    ups.set(NAME, 'UP');
    expect(verdict()).toEqual([true, 'ok', 'UP']);
    ups.set(NAME, 'DOWN', 'HTTP 500');
    expect(verdict()).toEqual([false, 'degraded', 'DOWN']);
    const { report } = healthReport(sup, Date.now(), false, ups);
    expect(report.upstreams?.[NAME]?.probe).toMatchObject({ ok: false, error: 'HTTP 500' });
    expect(healthReport(sup).report.upstreams).toBeUndefined();
  });

  it('appos-ctl health names a DOWN upstream', () => {
    const ups = new FakeUpstreams([NAME]);
    ups.set(NAME, 'UP');
    ups.set(NAME, 'DOWN', 'HTTP 500');
    const h = healthView(new FakeSupervisor([{ name: 'redis', critical: true }]), Date.now(), ups);
    expect(formatHealth(h)).toBe(`unhealthy (degraded): ${NAME} DOWN`);
  });
});

describe('appos-ctl status lists upstreams beside programs', () => {
  it('in the same columns, with the last check and the time in the state', () => {
    const ups = new FakeUpstreams([NAME, 'pb:8090', 'cache:6379']);
    ups.set(NAME, 'UP');
    ups.set('pb:8090', 'DOWN', 'connect ECONNREFUSED 10.0.0.6:8090');
    const now = 62_000;
    const views = ups.status().map((u) => upstreamView(u, now));
    expect(views[0]).toEqual({
      name: NAME,
      state: 'UP',
      since: new Date(1_000).toISOString(),
      for_s: 61,
      probe: { ok: true, latency_ms: 3, at: new Date(2_000).toISOString() },
    });
    expect(formatStatus([], views)).toEqual([
      'backend:8080   UP        upstream, probe ok (3 ms), for 0:01:01',
      'pb:8090        DOWN      upstream, connect ECONNREFUSED 10.0.0.6:8090, for 0:01:01',
      'cache:6379     UNKNOWN   upstream, not checked yet, for 0:01:01',
    ]);
  });
});
