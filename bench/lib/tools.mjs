// The binaries the bench needs, and installing the missing ones with apt-get (once, as root),
// or one line saying what to install.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { allStats } from './procs.mjs';

/** Binary -> Debian package, for everything the full bench runs. */
export const NEEDED = {
  supervisord: 'supervisor',
  supervisorctl: 'supervisor',
  nginx: 'nginx',
  wrk: 'wrk',
  'redis-server': 'redis-server',
  unshare: 'util-linux',
  // The peers in the proxy rows (bench/lib/peers.mjs).
  haproxy: 'haproxy',
  caddy: 'caddy',
};

/** Whether `name` is an executable on PATH (or /usr/sbin, where Debian puts nginx). */
export function onPath(name) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  return dirs.some((d) => {
    try {
      accessSync(join(d, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Debian packages providing the binaries of `names` that are missing. */
export function missingPackages(names = Object.keys(NEEDED)) {
  return [...new Set(names.filter((n) => !onPath(n)).map((n) => NEEDED[n]))];
}

/**
 * Installs missing packages with apt-get when running as root on Debian; returns the packages
 * still missing afterwards (empty when all is there). Services that the packages' scripts may
 * start (nginx on :80, supervisord, haproxy, caddy) are stopped again by pid.
 * @param {(line: string) => void} say
 */
export function ensureTools(say) {
  const missing = missingPackages();
  if (missing.length === 0) return [];
  const canApt = process.getuid?.() === 0 && onPath('apt-get');
  if (!canApt) {
    say(
      `bench: missing ${missing.join(' ')}: run \`sudo apt-get install -y ${missing.join(' ')}\``,
    );
    return missing;
  }
  say(`bench: installing ${missing.join(' ')} with apt-get`);
  const before = new Set(allStats().map((s) => s.pid));
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const opts = { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 300_000 };
  spawnSync('apt-get', ['update', '-qq'], opts);
  spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], opts);
  for (const s of allStats()) {
    if (before.has(s.pid) || !['nginx', 'supervisord', 'haproxy', 'caddy'].includes(s.comm) || s.ppid !== 1) continue;
    try {
      process.kill(s.pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
  const still = missingPackages();
  if (still.length > 0) {
    say(`bench: still missing ${still.join(' ')}: run \`apt-get install -y ${still.join(' ')}\``);
  }
  return still;
}
