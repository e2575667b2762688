// cgroup v2 files: where apposd's own cgroup is (from /proc/self/cgroup and mountinfo), the pids
// a cgroup holds, removing one, and sweeping the cgroups that SIGKILLed apposds left behind.
import { readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

const unescapeMount = (s: string): string =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

/**
 * The directory of the cgroup v2 group a process is in, from its /proc/PID/cgroup and the
 * /proc/PID/mountinfo it sees: the `0::PATH` line under the cgroup2 mount that holds it (the
 * `unified` mount in hybrid setups, /sys/fs/cgroup in pure v2). Null when none holds it.
 */
export function cgroup2Dir(procCgroup: string, mountinfo: string): string | null {
  const line = procCgroup.split('\n').find((l) => l.startsWith('0::'));
  const path = line?.slice(3).trim();
  if (!path?.startsWith('/') || path.split('/').includes('..')) return null;
  for (const m of mountinfo.split('\n')) {
    const sep = m.indexOf(' - ');
    if (sep < 0 || m.slice(sep + 3).split(' ')[0] !== 'cgroup2') continue;
    const f = m.slice(0, sep).split(' ');
    const root = unescapeMount(f[3] ?? '');
    const point = unescapeMount(f[4] ?? '');
    const rel =
      root === '/'
        ? path
        : path === root || path.startsWith(`${root}/`)
          ? path.slice(root.length)
          : null;
    if (rel !== null) return join(point, rel).replace(/(.)\/+$/, '$1');
  }
  return null;
}

/** The pids in a cgroup (none when it is gone). */
export function readPids(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map(Number)
      .filter((pid) => pid > 0);
  } catch {
    return [];
  }
}

/** Removes an empty cgroup; true when it is gone (or was already). */
export function removeDir(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** The name of an apposd's cgroup: `apposd-<pid>-<8 hex>`. */
const APPOSD_CGROUP = /^apposd-\d+-[0-9a-f]{8}$/;

/** Whether anything runs in a cgroup or below it (true when it cannot be read). */
function populated(dir: string): boolean {
  try {
    return /^populated 1$/m.test(readFileSync(join(dir, 'cgroup.events'), 'utf8'));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * Removes, beside `own`, the cgroups of other apposds that nothing runs in any more (an apposd
 * that was SIGKILLed could not remove its own). A live apposd whose programs all stopped may
 * lose its cgroup here; it makes it again at its next spawn. Returns how many were removed.
 */
export function sweepStale(home: string, own: string): number {
  let names: string[];
  try {
    names = readdirSync(home);
  } catch {
    return 0;
  }
  let n = 0;
  for (const name of names) {
    const dir = join(home, name);
    if (!APPOSD_CGROUP.test(name) || dir === own || populated(dir)) continue;
    try {
      for (const run of readdirSync(dir, { withFileTypes: true })) {
        if (run.isDirectory()) removeDir(join(dir, run.name));
      }
    } catch {
      // gone meanwhile
    }
    if (removeDir(dir)) n++;
  }
  return n;
}
