// Helpers for tests of escaped daemons (test/fixtures/programs/escape-daemon.sh): the pids they
// wrote, whether this machine gives apposd a writable cgroup v2, and apposd's cgroups left over.
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { cgroup2Dir } from '../../src/supervisor/lineage/cgroup-files.js';
import { type Daemon, alive } from './daemon.js';

/** The pids escape-daemon.sh appended to `file`, oldest first. */
export function daemonPids(file: string): number[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** The `count`-th pid written to `file` (1-based), once it is there. */
export function nthDaemon(file: string, count: number): number | undefined {
  return daemonPids(file)[count - 1];
}

/** Why apposd cannot use a cgroup here (null when it can): the cgroup tests skip with it. */
export function noWritableCgroup(): string | null {
  const dir = cgroup2Dir(
    readFileSync('/proc/self/cgroup', 'utf8'),
    readFileSync('/proc/self/mountinfo', 'utf8'),
  );
  if (dir === null) return 'no cgroup2 hierarchy holds this process';
  const probe = join(dir, `apposd-test-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
    return null;
  } catch (err) {
    return `cannot create a cgroup in ${dir} (${(err as NodeJS.ErrnoException).code})`;
  }
}

/** The cgroup directory apposd logged at start (cgroup mode), or undefined. */
export function cgroupOf(d: Daemon): string | undefined {
  const r = d.records().find((x) => x.tracking !== undefined);
  return r?.tracking === 'cgroup' ? (r.where as string) : undefined;
}

/** The tracking mode apposd logged at start. */
export function trackingOf(d: Daemon): string | undefined {
  return d.records().find((x) => x.tracking !== undefined)?.tracking as string | undefined;
}

/** Whether a cgroup directory (and any run cgroup under it) is still there. */
export function cgroupLeft(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return [
    dir,
    ...readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(dir, e.name)),
  ];
}

/** The daemon's parent, session and environment as /proc shows them (from this namespace). */
export function escapeFacts(pid: number): { ppid: number; sid: number; env: string[] } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').filter(Boolean);
    return alive(pid) ? { ppid: Number(f[1]), sid: Number(f[3]), env } : null;
  } catch {
    return null;
  }
}

/** The pid, seen from here, of the process that is `inner` in the PID namespace of `nsHolder`. */
export function outerPid(inner: number, nsHolder: number): number | undefined {
  let ns: string;
  try {
    ns = readlinkSync(`/proc/${nsHolder}/ns/pid`);
  } catch {
    return undefined;
  }
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const line = readFileSync(`/proc/${name}/status`, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('NSpid:'));
      const ids = line?.split(/\s+/).slice(1).map(Number) ?? [];
      if (ids.at(-1) === inner && readlinkSync(`/proc/${name}/ns/pid`) === ns) return Number(name);
    } catch {
      // gone
    }
  }
  return undefined;
}
