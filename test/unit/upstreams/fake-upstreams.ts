// An in-memory UpstreamSource whose upstream states the test sets (a fake at the seam the edge,
// health and control read).
import type { UpstreamSource, UpstreamStatus } from '../../../src/upstreams/api.js';

/** Upstreams the test controls; set() reports like the monitor does after a check. */
export class FakeUpstreams implements UpstreamSource {
  private readonly all = new Map<string, UpstreamStatus>();
  private readonly listeners = new Set<(s: UpstreamStatus) => void>();

  constructor(names: readonly string[] = []) {
    for (const name of names) this.set(name, 'UNKNOWN');
  }

  status(): UpstreamStatus[] {
    return [...this.all.values()];
  }

  get(name: string): UpstreamStatus | undefined {
    return this.all.get(name);
  }

  subscribe(listener: (s: UpstreamStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  set(name: string, state: UpstreamStatus['state'], error?: string): void {
    const before = this.all.get(name);
    const status: UpstreamStatus = {
      name,
      kind: 'http',
      state,
      since: 1_000,
      wasUp: (before?.wasUp ?? false) || state === 'UP',
      probe:
        state === 'UNKNOWN'
          ? null
          : { ok: state === 'UP', at: 2_000, latencyMs: 3, ...(error ? { error } : {}) },
    };
    this.all.set(name, status);
    for (const l of [...this.listeners]) l(status);
  }
}
