import { describe, expect, it } from 'vitest';
import { clientErrorStatus } from '../../../src/http/wire/client-errors.js';
import { retryAfterSeconds, upstreamErrorBody } from '../../../src/http/proxy/error-responses.js';
import type { ProgramView } from '../../../src/http/proxy/upstream-state.js';

const view = (patch: Partial<ProgramView> = {}): ProgramView => ({
  name: 'backend',
  state: 'BACKOFF',
  ready: false,
  up: false,
  wasReady: true,
  epoch: 1,
  nextRetryAt: null,
  ...patch,
});

describe('client errors', () => {
  it('maps parser errors to statuses', () => {
    expect(clientErrorStatus('ERR_HTTP_REQUEST_TIMEOUT')).toBe(408);
    expect(clientErrorStatus('HPE_HEADER_OVERFLOW')).toBe(431);
    expect(clientErrorStatus('HPE_INVALID_TRANSFER_ENCODING')).toBe(400);
    expect(clientErrorStatus(undefined)).toBe(400);
  });
});

describe('upstream errors', () => {
  it("writes CONTRACT.md's body", () => {
    expect(JSON.parse(upstreamErrorBody(view()))).toEqual({
      error: 'upstream_unavailable',
      program: 'backend',
      state: 'BACKOFF',
    });
    expect(JSON.parse(upstreamErrorBody(null))).toEqual({
      error: 'upstream_unavailable',
      program: null,
      state: null,
    });
  });

  it('derives Retry-After from the next restart attempt, at least 1 s', () => {
    expect(retryAfterSeconds(null)).toBe(1);
    expect(retryAfterSeconds(view())).toBe(1);
    expect(retryAfterSeconds(view({ nextRetryAt: 10_500 }), 1000)).toBe(10);
    expect(retryAfterSeconds(view({ nextRetryAt: 500 }), 1000)).toBe(1);
  });
});
