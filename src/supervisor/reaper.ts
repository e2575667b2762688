// PID 1 duty: reap orphans re-parented to apposd without ever stealing the exit status of a
// child that node spawned (libuv waits for those). Tracks node's children by wrapping
// ChildProcess.prototype.spawn and waits only for zombies outside that set (DESIGN.md).
import { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Host } from '../host.js';
import { listProcs } from './proc.js';

const WNOHANG = 1;
const PR_SET_CHILD_SUBREAPER = 36;

type WaitPid = (pid: number, status: number[], options: number) => number;

export interface ReaperOptions {
  /** Rescan this often even without SIGCHLD (a signal can be coalesced). */
  backstopMs?: number;
  onReap?: (pid: number, status: number) => void;
}

/** Reaps re-parented orphans; `install()` once, before anything is spawned. */
export class Reaper {
  private readonly tracked = new Set<number>();
  private waitpid: WaitPid | null = null;
  private libcTried = false;
  private onUnavailable: (() => void) | undefined;
  private scheduled: NodeJS.Timeout | null = null;
  private backstop: NodeJS.Timeout | null = null;
  private restoreSpawn: (() => void) | null = null;
  private readonly onSigchld = (): void => this.schedule();
  private offSigchld: (() => void) | null = null;
  /** Total orphans reaped. */
  reaped = 0;
  #loaded: () => void = () => undefined;
  /**
   * Settles once apposd is sure to be sent every orphan of its programs, even one orphaned the
   * moment its program starts: at once as PID 1, else once libc was tried (loaded or not) for
   * becoming a child subreaper.
   */
  readonly ready = new Promise<void>((resolve) => {
    this.#loaded = resolve;
  });

  /** @param host apposd's pid and its SIGCHLD subscription. */
  constructor(
    private readonly host: Pick<Host, 'pid' | 'onSignal'>,
    private readonly opts: ReaperOptions = {},
  ) {}

  /**
   * Starts tracking node's children at once. As PID 1, libc is loaded with the first orphan to
   * wait for (most containers never have one: koffi costs ~2 MB of RSS and ~13 ms); otherwise
   * on the next turn of the event loop, to become a subreaper. `onUnavailable` is called when
   * libc cannot be reached (then nothing is reaped).
   */
  install(onUnavailable?: () => void): void {
    this.onUnavailable = onUnavailable;
    if (this.host.pid === 1) this.#loaded();
    else
      setImmediate(() => {
        this.loadLibc();
        this.#loaded();
      });
    const proto = ChildProcess.prototype as unknown as { spawn: (...a: unknown[]) => unknown };
    const original = proto.spawn;
    const tracked = this.tracked;
    proto.spawn = function (this: ChildProcess, ...args: unknown[]) {
      const result = original.apply(this, args);
      const pid = this.pid;
      if (pid !== undefined) {
        tracked.add(pid);
        this.once('exit', () => tracked.delete(pid));
      }
      return result;
    };
    this.restoreSpawn = () => {
      proto.spawn = original;
    };
    this.offSigchld = this.host.onSignal('SIGCHLD', this.onSigchld);
    this.backstop = setInterval(() => this.reap(), this.opts.backstopMs ?? 30_000);
    this.backstop.unref();
  }

  /**
   * Loads libc's waitpid (and, when apposd is not PID 1, becomes a child subreaper so that
   * orphans of its programs still come to it), once. koffi is required here rather than
   * imported: it is not needed before the first spawn, and as PID 1 not before an orphan.
   */
  private loadLibc(): WaitPid | null {
    if (this.libcTried) return this.waitpid;
    this.libcTried = true;
    try {
      const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
      const libc = koffi.load(null);
      this.waitpid = libc.func('int waitpid(int pid, _Out_ int *status, int options)') as WaitPid;
      if (this.host.pid !== 1) {
        const prctl = libc.func(
          'int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)',
        );
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
      }
    } catch {
      this.waitpid = null;
      this.onUnavailable?.();
    }
    return this.waitpid;
  }

  /** Coalesces bursts of SIGCHLD into one scan shortly after. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = setTimeout(() => {
      this.scheduled = null;
      this.reap();
    }, 10);
  }

  /** Waits for every zombie whose parent is apposd and that node did not spawn. */
  reap(): number {
    if (this.libcTried && !this.waitpid) return 0;
    let n = 0;
    const self = this.host.pid;
    for (const p of listProcs()) {
      if (p.state !== 'Z' || p.ppid !== self || this.tracked.has(p.pid)) continue;
      const waitpid = this.waitpid ?? this.loadLibc();
      if (!waitpid) break;
      const status = [0];
      if (waitpid(p.pid, status, WNOHANG) === p.pid) {
        n++;
        this.opts.onReap?.(p.pid, status[0] ?? 0);
      }
    }
    this.reaped += n;
    return n;
  }

  /** Stops reaping and restores ChildProcess.prototype.spawn. */
  dispose(): void {
    this.offSigchld?.();
    this.offSigchld = null;
    if (this.scheduled) clearTimeout(this.scheduled);
    if (this.backstop) clearInterval(this.backstop);
    this.restoreSpawn?.();
    this.restoreSpawn = null;
  }
}
