// The one place that starts programs and sends them signals. Each program runs in its own
// process group and session, so a stop reaches its whole tree. node:child_process directly,
// not execa: execa's import alone cost 80-160 ms of the 150 ms budget to the first spawn, and
// none of its features (buffering, promises, cleanup) fit a supervisor's long-lived children.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { ProgramConfig } from '../config/types.js';
import { AppError } from '../errors.js';
import type { SignalHost } from '../host.js';
import type { RawExit } from './exit-status.js';
import { PROGRAM_MARKER, groupAlive, programTree } from './proc.js';
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
  /** Sends `signal` to process group `pgid`; false when the group is gone. */
  signalGroup(pgid: number, signal: NodeJS.Signals): boolean;
  /** SIGKILLs every process of the program's tree; returns how many were signalled. */
  killTree(leader: number | null, program: string): number;
  /** Whether any live process remains in group `pgid`. */
  groupAlive(pgid: number): boolean;
}

function errnoOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'error';
}

/**
 * The real spawner: detached (own group and session), output piped, never through a shell.
 * Signals go through `host.kill`; `host.pid` is left out of program trees.
 */
export const osSpawner = (host: SignalHost): Spawner => ({
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
    const sub = spawn(file, args, {
      cwd: cfg.cwd,
      // Only what the config lets it inherit; HOME, USER, LOGNAME follow `user`; then env.
      env: { ...cfg.inherited, ...identity.env, ...cfg.env, [PROGRAM_MARKER]: cfg.name },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      uid: identity.uid,
      gid: identity.gid,
    });
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
    try {
      host.kill(-pgid, signal);
      return true;
    } catch {
      return false;
    }
  },

  killTree(leader, program) {
    let n = 0;
    if (leader !== null && this.signalGroup(leader, 'SIGKILL')) n++;
    for (const pid of programTree(leader, program, host.pid)) {
      try {
        host.kill(pid, 'SIGKILL');
        n++;
      } catch {
        // already gone
      }
    }
    return n;
  },

  groupAlive,
});
