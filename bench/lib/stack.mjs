// What both stacks share: paths of the children, the launch (optionally as PID 1 of a new PID
// namespace), the process tree, the backend's pid, the timed SIGTERM -> everything gone, and
// the forced stop. classic-stack.mjs and apposd-stack.mjs add their config files and readings.
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readStat, sameAlive, treeOf, cmdline } from './procs.mjs';
import { performance } from 'node:perf_hooks';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Children and tools both stacks run. */
export const PATHS = {
  node: process.execPath,
  backend: join(ROOT, 'test/fixtures/example-backend.mjs'),
  pocketbase: join(ROOT, 'node_modules/.bin/pocketbase'),
  orphans: join(ROOT, 'test/fixtures/programs/orphans.sh'),
  apposd: join(ROOT, 'dist/main.js'),
  ctl: join(ROOT, 'dist/ctl.js'),
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The environment both stacks and their CLIs run with: this shell's, less what the image never
 * sets and a Node process would pay for at every start (NODE_EXTRA_CA_CERTS made each `node`
 * start 50 ms slower on the bench machine: it reads and parses the whole CA bundle).
 */
export function stackEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_OPTIONS;
  return env;
}

/**
 * @typedef {object} StackSettings
 * @property {string} dir      the bench run's temp dir
 * @property {string} dataDir  redis and PocketBase data, shared by both stacks
 * @property {string} webDir   the dashboard build both front doors serve
 * @property {{http: number, redis: number, pocketbase: number, backend: number, peers?: number}} ports
 */

/** A stack under test: one supervisor (plus its proxy) and its children. */
export class Stack {
  /**
   * @param {import('./procs.mjs').ProcessTracker} tracker
   * @param {StackSettings} settings
   * @param {{tag: string, pid1?: boolean, programs?: 'services' | 'orphans'}} opts
   */
  constructor(tracker, settings, opts) {
    this.tracker = tracker;
    this.settings = settings;
    this.pid1 = opts.pid1 ?? false;
    this.programs = opts.programs ?? 'services';
    this.dir = join(settings.dir, opts.tag);
    mkdirSync(join(this.dir, 'logs'), { recursive: true });
    /** @type {import('node:child_process').ChildProcess | null} */
    this.child = null;
    this.exited = Promise.resolve({ code: null, signal: null });
    this.launchAt = 0;
    this.innerPid = 0;
  }

  /** The front door's base URL. */
  get url() {
    return `http://127.0.0.1:${this.settings.ports.http}`;
  }

  /** @returns {[string, string[]]} the supervisor's command line (implemented by each stack) */
  command() {
    throw new Error('not implemented');
  }

  /** Writes the stack's config files (implemented by each stack). */
  writeConfig() {
    throw new Error('not implemented');
  }

  /** Starts the stack; `launchAt` is the epoch ms just before the spawn. */
  launch() {
    this.writeConfig();
    const [cmd, args] = this.command();
    const [file, argv] = this.pid1
      ? ['unshare', ['--pid', '--fork', '--mount-proc', cmd, ...args]]
      : [cmd, args];
    const out = openSync(join(this.dir, 'stdout.log'), 'w');
    const err = openSync(join(this.dir, 'stderr.log'), 'w');
    this.launchAt = Date.now();
    const { child, exited } = this.tracker.spawn(file, argv, {
      cwd: ROOT,
      stdio: ['ignore', out, err],
      env: stackEnv({ APPOS_BENCH: this.dir }),
    });
    closeSync(out);
    closeSync(err);
    this.child = child;
    this.exited = exited;
    return this;
  }

  /** The supervisor's pid as seen from here (the namespace's PID 1 when `pid1`). */
  async rootPid(timeoutMs = 5000) {
    const outer = this.child?.pid ?? 0;
    if (!this.pid1) return outer;
    if (this.innerPid) return this.innerPid;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const kid = treeOf(outer).find((s) => s.ppid === outer);
      if (kid && kid.comm !== 'unshare') return (this.innerPid = kid.pid);
      await sleep(5);
    }
    throw new Error(`${this.dir}: no process inside the PID namespace`);
  }

  /** The supervisor's pid once known: as PID 1, after `rootPid()` found it; 0 before. */
  supervisorPid() {
    return this.pid1 ? this.innerPid : (this.child?.pid ?? 0);
  }

  /** The live processes of the stack's tree (remembered by the tracker for cleanup). */
  tree() {
    return this.child?.pid
      ? this.tracker.remember(this.child.pid).filter((s) => s.state !== 'Z')
      : [];
  }

  /** The fixture backend's pid, or 0 while there is none. */
  backendPid() {
    const s = this.tree().find(
      (p) => p.comm === 'node' && cmdline(p.pid).includes('example-backend.mjs'),
    );
    return s ? s.pid : 0;
  }

  /** Zombie children of the supervisor (meaningful as PID 1: every orphan lands there). */
  async zombies() {
    const root = await this.rootPid();
    return treeOf(root).filter((s) => s.ppid === root && s.state === 'Z').length;
  }

  /**
   * SIGTERM to the supervisor; resolves with the ms until every process of the tree (as seen
   * just before) is gone, or `forced: true` when the deadline passed and it was SIGKILLed.
   */
  async terminate(timeoutMs = 20_000) {
    if (!this.child?.pid) return { ms: 0, processes: 0, forced: false };
    const root = await this.rootPid();
    const tree = this.tree();
    const t0 = performance.now();
    try {
      process.kill(root, 'SIGTERM');
    } catch {
      // already gone
    }
    while (tree.some((s) => sameAlive(s.pid, s.starttime))) {
      if (performance.now() - t0 > timeoutMs) {
        await this.kill();
        return { ms: null, processes: tree.length, forced: true };
      }
      await sleep(2);
    }
    const ms = performance.now() - t0;
    await Promise.race([this.exited, sleep(2000)]);
    return { ms, processes: tree.length, forced: false };
  }

  /** SIGKILLs the whole tree by pid and waits for it to go. */
  async kill() {
    if (!this.child?.pid) return;
    const tree = this.tree();
    for (const s of tree) {
      try {
        process.kill(s.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    const deadline = Date.now() + 5000;
    while (tree.some((s) => sameAlive(s.pid, s.starttime)) && Date.now() < deadline)
      await sleep(10);
    await Promise.race([this.exited, sleep(2000)]);
  }

  /** Whether the supervisor is still running. */
  running() {
    const pid = this.child?.pid;
    const s = pid ? readStat(pid) : null;
    return s !== null && s.state !== 'Z';
  }
}
