// The supervisor's face to the rest of apposd: the status shapes, the journal, events and
// actions that http/ and control/ use. Nothing here knows about HTTP, sockets or pino.
import type { ProgramConfig } from '../config/types.js';
import type { ProbeOutcome } from '../probes/types.js';
import type { State } from '../wire/shapes.js';

export { STATES, type State } from '../wire/shapes.js';

export interface ExitInfo {
  /** Exit code, or null when killed by a signal. */
  readonly code: number | null;
  readonly signal: string | null;
  /** Epoch ms. */
  readonly at: number;
  /** Whether the code was in exit_codes and not a signal. */
  readonly expected: boolean;
}

export interface ProgramStatus {
  readonly name: string;
  readonly kind: 'daemon' | 'oneshot';
  readonly state: State;
  readonly ready: boolean;
  /** Last liveness result; true when there is no live probe or it has not failed yet. */
  readonly healthy: boolean;
  readonly pid: number | null;
  /** Epoch ms the current process was spawned, or null. */
  readonly startedAt: number | null;
  /** Number of restarts since apposd started (spawns after the first). */
  readonly restarts: number;
  readonly critical: boolean;
  readonly lastExit: ExitInfo | null;
  /** Epoch ms of the next automatic start attempt while in BACKOFF, else null. */
  readonly nextRetryAt: number | null;
  /** Why the program is in its state ("spawn failed: ENOENT", "waiting for redis", ...). */
  readonly reason: string;
  /** A oneshot that ran to completion with an expected exit code. */
  readonly completed: boolean;
  /** Wanted running but not spawned yet (waiting for its dependencies). */
  readonly pending?: boolean;
  readonly readyProbe: ProbeOutcome | null;
  readonly liveProbe: ProbeOutcome | null;
}

export interface JournalEntry {
  readonly seq: number;
  /** Epoch ms. */
  readonly at: number;
  readonly program: string;
  /** Which spawn of the program this belongs to (1, 2, ...); 0 before the first. */
  readonly run: number;
  readonly from: State;
  readonly to: State;
  readonly reason: string;
}

export type SupervisorEvent =
  | { readonly type: 'transition'; readonly entry: JournalEntry; readonly status: ProgramStatus }
  | { readonly type: 'ready'; readonly program: string; readonly ready: boolean }
  | {
      readonly type: 'probe';
      readonly program: string;
      readonly probe: 'ready' | 'live';
      readonly result: ProbeOutcome;
    }
  | { readonly type: 'stopping' }
  | { readonly type: 'stopped' };

/** How one exchange between the edge and a program's upstream ended. */
export type UpstreamOutcome = 'ok' | 'timeout' | 'reset' | 'refused';

export interface ActionResult {
  readonly name: string;
  readonly ok: boolean;
  /** "started", "stopped", "restarted", or the error ("spawn failed: ENOENT"). */
  readonly message: string;
}

export interface ReloadResult {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

/** What http/ and control/ may ask of the supervisor. */
export interface SupervisorApi {
  /** Status of all programs in start order, or of the named ones (unknown names skipped). */
  status(names?: readonly string[]): ProgramStatus[];
  /** One program's status, or undefined. Cheap: served from memory. */
  get(name: string): ProgramStatus | undefined;
  names(): string[];
  /** True once shutdown has begun. */
  readonly stopping: boolean;
  /** Epoch ms apposd's supervisor started. */
  readonly startedAt: number;
  start(name: string, timeoutMs?: number): Promise<ActionResult>;
  stop(name: string, timeoutMs?: number): Promise<ActionResult>;
  restart(name: string, timeoutMs?: number): Promise<ActionResult>;
  signal(name: string, signal: NodeJS.Signals): ActionResult;
  journal(name?: string, limit?: number): JournalEntry[];
  /**
   * Journals something that happened to a program without a state change (from = to = its
   * state), e.g. a scheduled run skipped. Unknown names are ignored.
   */
  note?(name: string, reason: string): void;
  subscribe(listener: (event: SupervisorEvent) => void): () => void;
  /** Apply a new set of program configs: start added, stop removed, restart changed. */
  reload(programs: readonly ProgramConfig[]): Promise<ReloadResult>;
  /**
   * Evidence from the edge: how one exchange with `program`'s upstream ended. `failAfter`
   * failures in a row (timeout, reset, refused) while the program is RUNNING count like a
   * failed live probe: it is unhealthy and restarted. 'ok' clears the count; 0 never trips.
   */
  reportUpstream(program: string, outcome: UpstreamOutcome, failAfter: number): void;
}

/** Where the supervisor hands each child's stdout/stderr. Implemented by log/, injected by main. */
export interface OutputSink {
  /**
   * Consume `source` until it ends: split it into lines and deliver every one. Must apply
   * backpressure (pause `source`) rather than buffer without bound, and must never throw.
   */
  attach(program: string, stream: 'stdout' | 'stderr', source: NodeJS.ReadableStream): void;
  /** The program is gone (removed by a reload): close its log file. Must never throw. */
  close(program: string): Promise<void>;
}

/** The slice of a pino logger the supervisor uses for its own events. */
export interface EventLogger {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}
