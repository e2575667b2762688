// Reads the Linux process table from /proc: parent, group, session and state of each process,
// and the apposd program marker in a process's environment. Used for tree kills and reaping.
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcInfo {
  readonly pid: number;
  readonly state: string;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  /** Start time in clock ticks since boot: tells a reused pid from the process it once was. */
  readonly start?: number;
}

/** Environment variable apposd sets in every child: the program's name (like supervisord's). */
export const PROGRAM_MARKER = 'APPOSD_PROGRAM';

/** Parses one /proc/PID/stat line; the command name may contain spaces and parentheses. */
export function parseStat(line: string): ProcInfo | null {
  const close = line.lastIndexOf(')');
  if (close < 0) return null;
  const pid = Number.parseInt(line, 10);
  const f = line.slice(close + 2).split(' ');
  if (f.length < 4 || Number.isNaN(pid)) return null;
  const start = f[19] === undefined ? undefined : Number(f[19]);
  return {
    pid,
    state: f[0] ?? '?',
    ppid: Number(f[1]),
    pgid: Number(f[2]),
    sid: Number(f[3]),
    start,
  };
}

/** One process, or null when it is gone. */
export function readProc(pid: number): ProcInfo | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Every process visible in /proc. */
export function listProcs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of entries) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const info = readProc(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/** Whether the process's environment carries `APPOSD_PROGRAM=<program>`. */
export function hasMarker(pid: number, program: string): boolean {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'latin1');
    return env.split('\0').includes(`${PROGRAM_MARKER}=${program}`);
  } catch {
    return false;
  }
}

/**
 * Every live process that belongs to a program's tree: the leader's process group and
 * session, their descendants by parent pid, and processes carrying the program's marker
 * (daemons that double-forked out of the group). Zombies are left out: they are already dead,
 * and so is `self` (apposd's pid).
 */
export function programTree(leader: number | null, program: string, self: number): number[] {
  const procs = listProcs();
  const members = new Set<number>();
  for (const p of procs) {
    if (p.pid === self || p.state === 'Z') continue;
    if (leader !== null && (p.pgid === leader || p.sid === leader || p.pid === leader)) {
      members.add(p.pid);
    } else if (hasMarker(p.pid, program)) {
      members.add(p.pid);
    }
  }
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) {
      if (!members.has(p.pid) && p.state !== 'Z' && members.has(p.ppid) && p.pid !== self) {
        members.add(p.pid);
        grew = true;
      }
    }
  }
  return [...members];
}

/** Whether any live (non-zombie) process is still in process group `pgid`. */
export function groupAlive(pgid: number): boolean {
  for (const p of listProcs()) if (p.pgid === pgid && p.state !== 'Z') return true;
  return false;
}
