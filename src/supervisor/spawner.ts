// The one place that starts programs and sends them signals. Each program runs in its own
// process group and session, so a stop reaches its whole tree; a run tracker (lineage/) adds
// what escaped the group (setsid, double fork, env -i). node:child_process directly,
// not execa: execa's import alone cost 80-160 ms of the 150 ms budget to the first spawn, and
// none of its features (buffering, promises, cleanup) fit a supervisor's long-lived children.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { ProgramConfig } from '../config/types.js';
import { AppError } from '../errors.js';
import type { SignalHost } from '../host.js';
import type { RawExit } from './exit-status.js';
import type { RunTracker } from './lineage/types.js';
import { PROGRAM_MARKER, groupAlive, programTree, readProc } from './proc.js';
import { resolveIdentity } from './users.js';

export interface ChildHandle {
  readonly pid: number;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Settles once, when the process itself exits (not when its pipes close). */
  readonly exit: Promise<RawExit>;
}

/** A spawn that failed before the process ran: the OS error, e.g. "spawn foo ENOENT". */
export class SpawnError extends AppError {
  constructor(
    message: string,
    /** Short cause for one-line outcomes: "ENOENT", "EACCES", "unknown user". */
    readonly short: string,
  ) {
    super('APPOS_ERR_SPAWN', message);
    this.name = 'SpawnError';
  }
}

/** The seam between the supervisor and the OS; unit tests may pass a fake. */
export interface Spawner {
  spawn(cfg: ProgramConfig): Promise<ChildHandle>;
  /**
   * Sends `signal` to the run led by `pgid`: its process group and every process that escaped
   * it; false when nothing of the run is left.
   */
  signalGroup(pgid: number, signal: NodeJS.Signals): boolean;
  /** SIGKILLs every process of the program's tree; returns how many were signalled. */
  killTree(leader: number | null, program: string): number;
  /** Whether any live process remains of the run led by `pgid` (its group, or escaped). */
  groupAlive(pgid: number): boolean;
}

function errnoOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'error';
}

/** Sends one signal; false when the target is gone. */
function trySend(host: SignalHost, pid: number, signal: NodeJS.Signals): boolean {
  try {
    host.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * The real spawner: detached (own group and session), output piped, never through a shell.
 * Signals go through `host.kill`; `host.pid` is left out of program trees. With a `tracker`,
 * each spawn is a new run and what escaped its group is signalled, awaited and killed with it.
 */
export const osSpawner = (host: SignalHost, tracker?: RunTracker): Spawner => ({
  async spawn(cfg) {
    let identity;
    try {
      identity = resolveIdentity(cfg.user, cfg.group);
    } catch (err) {
      throw new SpawnError((err as Error).message, (err as Error).message);
    }
    if (cfg.cwd !== undefined) {
      if (!statSync(cfg.cwd, { throwIfNoEntry: false })?.isDirectory())
        throw new SpawnError(`cwd ${cfg.cwd} is not a directory`, 'bad cwd');
    }
    const [file = '', ...args] = cfg.command;
    const start = () =>
      spawn(file, args, {
        cwd: cfg.cwd,
        // Only what the config lets it inherit; HOME, USER, LOGNAME follow `user`; then env.
        env: { ...cfg.inherited, ...identity.env, ...cfg.env, [PROGRAM_MARKER]: cfg.name },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        uid: identity.uid,
        gid: identity.gid,
      });
    // The tracker makes this fork a new run: what it starts is killed with it.
    const sub = tracker ? tracker.spawn(cfg.name, start) : start();
    // The exit comes from 'exit', not 'close': a double-forked grandchild may hold the pipes.
    const exit = new Promise<RawExit>((resolve) => {
      sub.once('exit', (code, signal) => resolve({ code, signal }));
    });
    await new Promise<void>((resolve, reject) => {
      sub.once('spawn', () => resolve());
      sub.once('error', (err) =>
        reject(new SpawnError(err.message || `spawn ${file} failed`, errnoOf(err))),
      );
    });
    if (sub.pid === undefined || !sub.stdout || !sub.stderr) {
      throw new SpawnError(`spawn ${file} failed`, 'error');
    }
    return { pid: sub.pid, stdout: sub.stdout, stderr: sub.stderr, exit };
  },

  signalGroup(pgid, signal) {
    let reached = trySend(host, -pgid, signal);
    // Escaped processes, each once: the group's members already got it.
    for (const pid of tracker?.members(pgid) ?? []) {
      if (readProc(pid)?.pgid !== pgid && trySend(host, pid, signal)) reached = true;
    }
    return reached;
  },

  killTree(leader, program) {
    let n = tracker?.kill(leader, program) ?? 0;
    if (leader !== null && trySend(host, -leader, 'SIGKILL')) n++;
    for (const pid of programTree(leader, program, host.pid)) {
      if (trySend(host, pid, 'SIGKILL')) n++;
    }
    return n;
  },

  groupAlive: (pgid) => groupAlive(pgid) || (tracker?.alive(pgid) ?? false),
});
