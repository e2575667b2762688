// The shapes of run tracking: what the spawner asks of it (which processes belong to a run of a
// program, kill them all). Trackers take src/host.ts's SignalHost (apposd's pid, kill).

/** How escaped processes are attributed: a cgroup per run, or lineage read from /proc. */
export type TrackingMode = 'cgroup' | 'lineage';

/** A child as the tracker sees it right after the fork: its pid, or none when the spawn failed. */
export interface Forked {
  readonly pid?: number | undefined;
}

/**
 * Which processes belong to each run of a program, however far they escaped (new session,
 * double fork, cleared environment). A run is keyed by its leader's pid (the process group the
 * machine knows as `pgid`).
 */
export interface RunTracker {
  readonly mode: TrackingMode;
  /** Where the runs' cgroups live (cgroup mode), for the start log line. */
  readonly where: string;
  /** Calls `fork` so that the child it starts, and all that child starts, is a new run. */
  spawn<T extends Forked>(program: string, fork: () => T): T;
  /** The live processes of the run led by `leader` (zombies and apposd left out). */
  members(leader: number): number[];
  /** Whether anything of the run is left; a run found empty is forgotten (its cgroup removed). */
  alive(leader: number): boolean;
  /**
   * SIGKILLs every process of the run led by `leader`, or of every run of `program` when
   * `leader` is null; returns how many runs had something to kill.
   */
  kill(leader: number | null, program: string): number;
  /** apposd is exiting: kills what is left of every run and removes its cgroups. */
  close(): Promise<void>;
}
