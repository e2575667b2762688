// The program machine's shapes: the data it keeps per program, the events it takes, the effects
// it asks for, and the status that data shows. Pure types and two pure functions.
import type { ProgramConfig } from '../config/types.js';
import type { ProbeOutcome } from '../probes/types.js';
import type { ExitInfo, ProgramStatus, State, UpstreamOutcome } from './api.js';
import type { RawExit } from './exit-status.js';

/** The timers a program runs; each fires a `deadline` event carrying its run number. */
export type TimerKind = 'start' | 'ready' | 'backoff' | 'kill' | 'group';
export type ProbeName = 'ready' | 'live';

/** How often a requested stop polls for the rest of the process group after the leader exited. */
export const GROUP_POLL_MS = 50;

/** Everything the machine knows of one program. Immutable: `step` returns a new one. */
export interface ProgramData {
  readonly cfg: ProgramConfig;
  readonly state: State;
  /** Spawn counter: 0 before the first spawn; events of an older run are dropped. */
  readonly run: number;
  readonly pid: number | null;
  /** The current run's process group (its leader's pid); kept after the leader exits. */
  readonly pgid: number | null;
  readonly startedAt: number | null;
  readonly restarts: number;
  /** Consecutive failed starts; reset once a start sticks. */
  readonly failures: number;
  readonly ready: boolean;
  readonly healthy: boolean;
  readonly completed: boolean;
  /** Wanted running: the supervisor launches it once its dependencies allow. */
  readonly pending: boolean;
  readonly lastExit: ExitInfo | null;
  readonly nextRetryAt: number | null;
  readonly reason: string;
  /** The last spawn error's short cause ("ENOENT"), for one-line outcomes. */
  readonly spawnError: string | null;
  readonly readyResult: ProbeOutcome | null;
  readonly liveResult: ProbeOutcome | null;
  /** This run stayed up for start_seconds. */
  readonly stuck: boolean;
  /** This run is being stopped on purpose: its exit is no failure. */
  readonly stopRequested: boolean;
  /** This stop ends a start that failed (ready deadline): its reason; BACKOFF or FATAL follow. */
  readonly failedStart: string | null;
  /** This stop is a restart (live probe or upstream evidence): its reason; a new run follows. */
  readonly restartAfterStop: string | null;
}

/** What may happen to a program: the supervisor's commands and the outcomes of its effects. */
export type ProgramEvent =
  | { readonly type: 'want' }
  | { readonly type: 'unwant' }
  | { readonly type: 'launch'; readonly reason: string }
  | { readonly type: 'cancel'; readonly reason: string }
  | { readonly type: 'kill' }
  | { readonly type: 'reconfigure'; readonly cfg: ProgramConfig; readonly want: boolean }
  | { readonly type: 'spawned'; readonly run: number; readonly pid: number }
  | {
      readonly type: 'spawn-failed';
      readonly run: number;
      readonly message: string;
      readonly short: string;
    }
  | {
      readonly type: 'exited';
      readonly run: number;
      readonly exit: RawExit;
      readonly groupAlive: boolean;
    }
  | {
      readonly type: 'probe';
      readonly run: number;
      readonly probe: ProbeName;
      readonly result: ProbeOutcome;
      readonly failures: number;
    }
  | {
      /** The edge saw `failures` upstream failures in a row: counts as a failed live probe. */
      readonly type: 'upstream';
      readonly run: number;
      readonly failures: number;
      readonly outcome: UpstreamOutcome;
    }
  | {
      readonly type: 'deadline';
      readonly run: number;
      readonly timer: TimerKind;
      readonly groupAlive?: boolean;
    };

/** What the machine asks its runner to do, in order. */
export type Effect =
  | {
      readonly type: 'transition';
      readonly from: State;
      readonly to: State;
      readonly reason: string;
      readonly data: ProgramData;
    }
  | { readonly type: 'ready'; readonly ready: boolean }
  | { readonly type: 'spawn'; readonly run: number }
  | { readonly type: 'attach' }
  | { readonly type: 'signal'; readonly pid: number; readonly signal: NodeJS.Signals }
  | { readonly type: 'kill-tree'; readonly pid: number | null }
  | { readonly type: 'timer'; readonly timer: TimerKind; readonly ms: number }
  | { readonly type: 'clear'; readonly timers: readonly TimerKind[] }
  | { readonly type: 'probe-start'; readonly probe: ProbeName }
  | { readonly type: 'probe-stop'; readonly probe: ProbeName }
  | {
      readonly type: 'probed';
      readonly probe: ProbeName;
      readonly result: ProbeOutcome;
      readonly failures: number;
    }
  | { readonly type: 'spawned'; readonly pid: number }
  | { readonly type: 'spawn-failed'; readonly message: string }
  | {
      readonly type: 'exited';
      readonly exit: ExitInfo;
      readonly requested: boolean;
      readonly run: number;
    }
  | { readonly type: 'stopped' }
  | { readonly type: 'ignored'; readonly why: string };

/** Facts from outside the program that its decisions depend on. */
export interface StepContext {
  /** Epoch ms. */
  readonly now: number;
  /** apposd is shutting down: nothing is restarted any more. */
  readonly shuttingDown: boolean;
}

export interface Step {
  readonly data: ProgramData;
  readonly effects: readonly Effect[];
}

/** A program that has never run. */
export function initialData(cfg: ProgramConfig): ProgramData {
  return {
    cfg,
    state: 'STOPPED',
    run: 0,
    pid: null,
    pgid: null,
    startedAt: null,
    restarts: 0,
    failures: 0,
    ready: false,
    healthy: true,
    completed: false,
    pending: false,
    lastExit: null,
    nextRetryAt: null,
    reason: 'not started',
    spawnError: null,
    readyResult: null,
    liveResult: null,
    stuck: false,
    stopRequested: false,
    failedStart: null,
    restartAfterStop: null,
  };
}

/** The status a program's data shows to the rest of apposd. */
export function statusOf(d: ProgramData): ProgramStatus {
  return {
    name: d.cfg.name,
    kind: d.cfg.kind,
    state: d.state,
    ready: d.ready,
    healthy: d.healthy,
    pid: d.pid,
    startedAt: d.pid === null ? null : d.startedAt,
    restarts: d.restarts,
    critical: d.cfg.critical,
    lastExit: d.lastExit,
    nextRetryAt: d.nextRetryAt,
    reason: d.reason,
    completed: d.completed,
    pending: d.pending,
    readyProbe: d.readyResult,
    liveProbe: d.liveResult,
  };
}
