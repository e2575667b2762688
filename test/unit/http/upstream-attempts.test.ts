import { describe, expect, it } from 'vitest';
import { compileRoutes, type ProxyRoute } from '../../../src/http/routes.js';
import {
  afterFailure,
  holdLeft,
  MAX_RETRIES,
  type Attempts,
  type Failure,
} from '../../../src/http/proxy/attempts.js';
import { supervisorSource, UpstreamStates } from '../../../src/http/proxy/upstream-state.js';
import { FakeSupervisor } from '../../helpers/fake-supervisor.js';
import { route } from '../../helpers/http-edge.js';

function proxyRoute(holdMs: number): ProxyRoute {
  const [r] = compileRoutes([
    route({ path: '/api', upstream: 'http://127.0.0.1:1', program: 'backend', holdMs }),
  ]);
  return r as ProxyRoute;
}

const fresh = (): Attempts => ({ retries: 0, holdDeadline: 0, epoch: 0 });
const get = (code: string, retryable = false): Failure => ({
  code,
  method: 'GET',
  bodyless: true,
  retryable,
});

function setup(holdMs = 5000) {
  const sup = new FakeSupervisor([{ name: 'backend' }]);
  const states = new UpstreamStates(supervisorSource(sup));
  return { sup, states, view: states.view('backend'), r: proxyRoute(holdMs) };
}

describe('afterFailure', () => {
  it('sends a bodyless idempotent request again after a stale pooled socket, at most twice', () => {
    const { states, view, r } = setup(0);
    const a = fresh();
    expect(afterFailure(a, get('ECONNRESET', true), r, view, states)).toBe('send');
    expect(afterFailure(a, get('ECONNRESET', true), r, view, states)).toBe('send');
    expect(a.retries).toBe(MAX_RETRIES);
    expect(afterFailure(a, get('ECONNRESET', true), r, view, states)).toBe('answer');
  });

  it('never sends a request with a body again, nor a POST after a reset', () => {
    const { states, view, r } = setup();
    const post = { ...get('ECONNRESET', true), method: 'POST' };
    expect(
      afterFailure(fresh(), { ...get('ECONNREFUSED'), bodyless: false }, r, view, states),
    ).toBe('answer');
    expect(afterFailure(fresh(), post, r, view, states)).toBe('answer');
  });

  it('sends again to a program that came back since, else holds within the budget', () => {
    const { sup, states, view, r } = setup();
    const a = fresh();
    expect(afterFailure(a, get('ECONNREFUSED'), r, view, states)).toBe('hold');
    sup.down('backend', 'BACKOFF');
    sup.up('backend');
    expect(view.epoch).toBe(1);
    expect(afterFailure(a, get('ECONNREFUSED'), r, view, states)).toBe('send');
  });

  it('answers when there is no hold, or the program is gone for good', () => {
    const { states, view, r } = setup(0);
    expect(afterFailure(fresh(), get('ECONNREFUSED'), r, view, states)).toBe('answer');
    const held = setup(5000);
    held.sup.set('backend', { state: 'FATAL' });
    expect(afterFailure(fresh(), get('ECONNREFUSED'), held.r, held.view, held.states)).toBe(
      'answer',
    );
    expect(afterFailure(fresh(), get('ECONNREFUSED'), r, null, states)).toBe('answer');
  });
});

describe('holdLeft', () => {
  it('starts the budget on the first wait and counts it down', () => {
    const { states, view, r } = setup(5000);
    const a = fresh();
    expect(holdLeft(a, r, view, states, 1000)).toBe(5000);
    expect(holdLeft(a, r, view, states, 4000)).toBe(2000);
    expect(holdLeft(a, r, view, states, 7000)).toBe(-1000);
  });
});
