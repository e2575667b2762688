// /proc readings for the bench (stat, RSS, CPU ticks, process trees, zombies) and the one
// tracker of every process the bench starts: stopped by pid on success, failure or exit.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of /proc/PID/stat's utime and stime (Linux on x86-64 and arm64). */
export const CLK_TCK = 100;

/**
 * One process's /proc/PID/stat fields the bench needs, or null when it is gone.
 * @param {number} pid
 * @returns {{pid: number, comm: string, state: string, ppid: number, pgrp: number,
 *   utime: number, stime: number, starttime: number} | null}
 */
export function readStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' ');
  return {
    pid,
    comm,
    state: f[0],
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    utime: Number(f[11]),
    stime: Number(f[12]),
    starttime: Number(f[19]),
  };
}

/** Every process's stat, read once. */
export function allStats() {
  const out = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) out.push(s);
  }
  return out;
}

/**
 * `root` and all its descendants (zombies included), found by walking ppid links.
 * @param {number} root
 * @param {ReturnType<typeof allStats>} [stats]
 */
export function treeOf(root, stats = allStats()) {
  const byParent = new Map();
  for (const s of stats) {
    const kids = byParent.get(s.ppid) ?? [];
    kids.push(s);
    byParent.set(s.ppid, kids);
  }
  const self = stats.find((s) => s.pid === root);
  const out = self ? [self] : [];
  for (let i = 0; i < out.length; i++) out.push(...(byParent.get(out[i].pid) ?? []));
  return out;
}

/** The command line of a process (arguments joined by spaces), or "" when gone. */
export function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** VmRSS of a process in KiB, or 0 when gone. */
export function rssKb(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** VmHWM (peak resident set) of a process in KiB, or 0 when gone. */
export function hwmKb(pid) {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** utime + stime of a process in clock ticks, or 0 when gone. */
export function cpuTicks(pid) {
  const s = readStat(pid);
  return s ? s.utime + s.stime : 0;
}

/** utime and stime (user space, kernel) of processes `pids` summed, in clock ticks. */
export function cpuSplit(pids) {
  let user = 0;
  let sys = 0;
  for (const pid of pids) {
    const s = readStat(pid);
    if (s) {
      user += s.utime;
      sys += s.stime;
    }
  }
  return { user, sys };
}

/**
 * CPU per request in microseconds between two cpuSplit() readings over `requests`: in all, in
 * user space and in the kernel (the sockets' own cost, about the same for every proxy).
 */
export function cpuPerRequest(before, after, requests) {
  const us = (ticks) => (requests > 0 ? (ticks * 1e6) / CLK_TCK / requests : null);
  const user = after.user - before.user;
  const sys = after.sys - before.sys;
  return { layerCpuUs: us(user + sys), layerUserUs: us(user), layerSysUs: us(sys) };
}

/**
 * CPU time of a process in nanoseconds, summed over its live threads' /proc/PID/task/TID/schedstat
 * (finer than the 10 ms ticks of utime + stime; threads that ended are not counted), or 0.
 */
export function cpuNs(pid) {
  let total = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // thread ended
      }
    }
  } catch {
    return 0;
  }
  return total;
}

/** Whether `pid` is the same live (non-zombie) process that had `starttime`. */
export function sameAlive(pid, starttime) {
  const s = readStat(pid);
  return s !== null && s.state !== 'Z' && s.starttime === starttime;
}

/** The machine's load averages from /proc/loadavg. */
export function loadavg() {
  const [one, five, fifteen] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  return { one, five, fifteen };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Every process the bench starts goes through here. The tracker remembers each spawned root
 * and every descendant seen under it (pid + start time, so a reused pid is never signalled),
 * and `stopAll()` / the exit hook SIGKILL whatever of those is still alive.
 */
export class ProcessTracker {
  constructor() {
    /** @type {Map<number, import('node:child_process').ChildProcess>} */
    this.roots = new Map();
    /** @type {Map<number, number>} pid -> starttime of every process seen in a tracked tree */
    this.seen = new Map();
    this.hooked = false;
    /** @type {(() => void)[]} synchronous clean-ups (temp dirs) run after the kill on exit */
    this.cleanups = [];
  }

  /** Runs `fn` (synchronous) when the bench exits or is interrupted, after killing processes. */
  onExit(fn) {
    this.cleanups.push(fn);
  }

  /**
   * Spawns a tracked process; its exit is awaited through the returned `exited` promise.
   * @param {string} command
   * @param {string[]} args
   * @param {import('node:child_process').SpawnOptions} options
   */
  spawn(command, args, options) {
    this.installExitHook();
    const child = spawn(command, args, options);
    const exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (err) => resolve({ code: null, signal: null, error: err }));
    });
    if (child.pid !== undefined) {
      this.roots.set(child.pid, child);
      this.remember(child.pid);
      exited.then(() => this.roots.delete(child.pid));
    }
    return { child, exited };
  }

  /** Records the current tree under `root` so that it can be stopped later by pid. */
  remember(root) {
    const tree = treeOf(root);
    for (const s of tree) if (s.state !== 'Z') this.seen.set(s.pid, s.starttime);
    return tree;
  }

  /** Pids of every remembered process that is still alive. */
  leftovers() {
    return [...this.seen].filter(([pid, start]) => sameAlive(pid, start)).map(([pid]) => pid);
  }

  /** SIGKILLs every tracked tree (and every remembered pid), then waits for them to go. */
  async stopAll(timeoutMs = 5000) {
    for (const root of this.roots.keys()) this.remember(root);
    this.killAllSync();
    const deadline = Date.now() + timeoutMs;
    while (this.leftovers().length > 0 && Date.now() < deadline) await sleep(20);
    return this.leftovers();
  }

  /** Synchronous SIGKILL of everything remembered (usable from an 'exit' handler). */
  killAllSync() {
    for (const root of this.roots.keys()) {
      for (const s of treeOf(root)) if (s.state !== 'Z') this.seen.set(s.pid, s.starttime);
    }
    for (const [pid, start] of this.seen) {
      if (!sameAlive(pid, start)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** On exit or on SIGINT/SIGTERM/SIGHUP of the bench, kill what it started. */
  installExitHook() {
    if (this.hooked) return;
    this.hooked = true;
    const cleanUp = () => {
      for (const fn of this.cleanups.splice(0)) {
        try {
          fn();
        } catch {
          // best effort on the way out
        }
      }
    };
    process.on('exit', () => {
      this.killAllSync();
      cleanUp();
    });
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      process.once(sig, () => {
        this.killAllSync();
        cleanUp();
        process.stderr.write(`bench: ${sig}, stopped every process it started\n`);
        process.exit(130);
      });
    }
  }
}
