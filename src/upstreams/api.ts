// The face of the upstream monitor to the edge, /api/health and the control API: each probed
// upstream (one apposd does not supervise) as a named state source, like a program's status.
import type { ProbeKind } from '../config/types.js';
import type { UpstreamStateName } from '../wire/shapes.js';

/** UNKNOWN until the first check ends; UP after a pass; DOWN after failing `retries` checks. */
export type { UpstreamStateName as UpstreamState } from '../wire/shapes.js';

/** The last check of an upstream's probe. */
export interface UpstreamCheck {
  readonly ok: boolean;
  /** Epoch ms of the check's end. */
  readonly at: number;
  readonly latencyMs: number;
  /** Why it failed ("connect ECONNREFUSED 10.0.0.5:8080"); never holds secrets. */
  readonly error?: string;
}

/** One probed upstream. */
export interface UpstreamStatus {
  /** host:port of its URL: how the 503, /api/health and `status` name it. */
  readonly name: string;
  readonly kind: ProbeKind;
  readonly state: UpstreamStateName;
  /** Epoch ms of the last state change. */
  readonly since: number;
  /** Has been UP at least once since apposd started. */
  readonly wasUp: boolean;
  readonly probe: UpstreamCheck | null;
}

/** What the edge, the health view and the control API read. */
export interface UpstreamSource {
  /** Every probed upstream, in route order. */
  status(): UpstreamStatus[];
  get(name: string): UpstreamStatus | undefined;
  /** Called after every check of any upstream (state changed or not); returns unsubscribe. */
  subscribe(listener: (status: UpstreamStatus) => void): () => void;
}

/** True when requests may be sent to it. */
export function isUpstreamUp(s: Pick<UpstreamStatus, 'state'>): boolean {
  return s.state === 'UP';
}
