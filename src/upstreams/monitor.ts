// Probes the upstreams of routes that carry `probe:` (edge-only mode: upstreams apposd does not
// supervise), one ProbeRunner each, and keeps their state: UNKNOWN, UP after a pass, DOWN after
// `retries` failures in a row (at once before it was ever up). Reports every check to listeners.
import { upstreamName } from '../config/address.js';
import type { ProbeConfig, RouteConfig } from '../config/types.js';
import { ProbeRunner } from '../probes/runner.js';
import type { ProbeHost, ProbeOutcome } from '../probes/types.js';
import type { UpstreamSource, UpstreamState, UpstreamStatus } from './api.js';

interface Entry {
  readonly probe: ProbeConfig;
  readonly key: string;
  readonly runner: ProbeRunner;
  status: UpstreamStatus;
}

/** The probed upstreams of a route table: name -> probe (first route naming it wins). */
export function probedUpstreams(routes: readonly RouteConfig[]): Map<string, ProbeConfig> {
  const out = new Map<string, ProbeConfig>();
  for (const r of routes) {
    if (r.probe && r.upstream !== undefined) {
      const name = upstreamName(r.upstream);
      if (!out.has(name)) out.set(name, r.probe);
    }
  }
  return out;
}

/** Keeps the state of every probed upstream; start() begins probing, stop() ends it. */
export class UpstreamMonitor implements UpstreamSource {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(s: UpstreamStatus) => void>();
  private running = false;

  constructor(
    routes: readonly RouteConfig[],
    /** What the probes may ask of apposd's process. */
    private readonly host: ProbeHost,
    private readonly now: () => number = Date.now,
  ) {
    this.setRoutes(routes);
  }

  status(): UpstreamStatus[] {
    return [...this.entries.values()].map((e) => e.status);
  }

  get(name: string): UpstreamStatus | undefined {
    return this.entries.get(name)?.status;
  }

  subscribe(listener: (status: UpstreamStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Begins probing every upstream. */
  start(): void {
    this.running = true;
    for (const e of this.entries.values()) e.runner.start();
  }

  /** Stops every probe; no listener is called after this. */
  stop(): void {
    this.running = false;
    for (const e of this.entries.values()) e.runner.stop();
  }

  /** Applies a reloaded route table: new upstreams are probed, gone ones stop, changed restart. */
  setRoutes(routes: readonly RouteConfig[]): void {
    const next = probedUpstreams(routes);
    for (const [name, e] of this.entries) {
      if (next.get(name) === undefined || JSON.stringify(next.get(name)) !== e.key) {
        e.runner.stop();
        this.entries.delete(name);
      }
    }
    for (const [name, probe] of next) {
      if (this.entries.has(name)) continue;
      const entry: Entry = {
        probe,
        key: JSON.stringify(probe),
        runner: new ProbeRunner(probe, this.host, (outcome, failures) =>
          this.onCheck(entry, outcome, failures),
        ),
        status: {
          name,
          kind: probe.kind,
          state: 'UNKNOWN',
          since: this.now(),
          wasUp: false,
          probe: null,
        },
      };
      this.entries.set(name, entry);
      if (this.running) entry.runner.start();
    }
  }

  private onCheck(entry: Entry, outcome: ProbeOutcome, failures: number): void {
    const was = entry.status;
    let state: UpstreamState = was.state;
    if (outcome.ok) state = 'UP';
    else if (was.state !== 'UP' || failures >= entry.probe.retries) state = 'DOWN';
    entry.status = {
      ...was,
      state,
      since: state === was.state ? was.since : this.now(),
      wasUp: was.wasUp || state === 'UP',
      probe: outcome,
    };
    for (const listener of [...this.listeners]) listener(entry.status);
  }
}
