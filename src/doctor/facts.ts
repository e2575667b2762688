// Gathers what appos-ctl doctor's checks look at: the data dir (write probe, statfs), the
// programs' status, TCP connects to every listener, the secret key's stat, the newest backup,
// and how the data dir is mounted (/proc/self/mountinfo).
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { listBackups } from '../backup/store.js';
import { parseCron } from '../config/cron.js';
import type { AppConfig } from '../config/types.js';
import type { SupervisorApi } from '../supervisor/api.js';
import type { DoctorFacts } from './checks.js';

/** What the doctor needs from apposd besides the config (wired by main.ts). */
export interface DoctorInputs {
  config: AppConfig;
  supervisor: SupervisorApi;
  /** Docker's stop grace in ms (APPOS_STOP_GRACE, default 10 s). */
  dockerStopMs: number;
  /** "external" when the operator declared the data volume external (APPOS_DATA_VOLUME). */
  dataVolume: string | undefined;
  timezone?: string;
  /** /proc/self/mountinfo's text (a test may pass its own). */
  mountinfo?: string;
}

const CONNECT_TIMEOUT_MS = 1000;
const NO_SCHEDULE_MAX_AGE_MS = 8 * 24 * 3_600_000;

function tcpError(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const target = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
    const socket = connect({ host: target, port });
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => {
      socket.destroy();
      resolve('timed out');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(null);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

async function dataDirFacts(dir: string | undefined): Promise<DoctorFacts['dataDir']> {
  if (dir === undefined) return null;
  let writable: string | null = null;
  const probe = join(dir, `.apposd-doctor-${randomUUID()}`);
  try {
    writeFileSync(probe, 'ok');
    rmSync(probe, { force: true });
  } catch (err) {
    writable = (err as NodeJS.ErrnoException).code ?? String(err);
  }
  let freeBytes = 0;
  try {
    const s = await statfs(dir);
    freeBytes = s.bavail * s.bsize;
  } catch (err) {
    writable ??= (err as NodeJS.ErrnoException).code ?? String(err);
  }
  return { path: dir, writable, freeBytes };
}

async function listenerFacts(config: AppConfig): Promise<DoctorFacts['listeners']> {
  const targets = new Map<string, { host: string; port: number }>();
  if (config.http) {
    targets.set(`http ${config.http.host}:${config.http.port}`, config.http);
  }
  for (const r of config.http?.routes ?? []) {
    if (!r.upstream) continue;
    const u = new URL(r.upstream);
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    targets.set(`upstream ${r.path} ${u.hostname}:${port}`, { host: u.hostname, port });
  }
  const out = [];
  for (const [name, t] of targets) out.push({ name, error: await tcpError(t.host, t.port) });
  return out;
}

function secretFacts(dataDir: string | undefined): DoctorFacts['secret'] {
  if (dataDir === undefined) return null;
  const path = join(dataDir, 'secret.key');
  if (!existsSync(path)) return null;
  const st = statSync(path);
  // The programs' user owns apps/ (first-boot.sh); without it, the data dir's owner.
  const ref = existsSync(join(dataDir, 'apps')) ? join(dataDir, 'apps') : dataDir;
  return { path, mode: st.mode, uid: st.uid, expectedUid: statSync(ref).uid };
}

function backupFacts(config: AppConfig, timezone: string | undefined): DoctorFacts['backup'] {
  const b = config.backups;
  if (!b) return { configured: false, ageMs: null, maxAgeMs: 0 };
  const newest = listBackups(b.dir).at(-1);
  let maxAgeMs = NO_SCHEDULE_MAX_AGE_MS;
  if (b.schedule) {
    const times = parseCron(b.schedule, timezone);
    const one = times.next(Date.now());
    const two = one === null ? null : times.next(one);
    if (one !== null && two !== null) maxAgeMs = 2 * (two - one);
  }
  const ageMs = newest ? Date.now() - Date.parse(newest.created_at) : null;
  return { configured: true, ageMs, maxAgeMs };
}

/** How `dir` is mounted, from mountinfo: the longest mount point that contains it. */
export function volumeOf(
  dir: string | undefined,
  mountinfo: string,
  declared: string | undefined,
): DoctorFacts['volume'] {
  if (dir === undefined) return { kind: 'none', source: '' };
  let best: { point: string; root: string } | null = null;
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    const root = f[3];
    const point = f[4];
    if (root === undefined || point === undefined) continue;
    const inside = dir === point || dir.startsWith(point.endsWith('/') ? point : `${point}/`);
    if (inside && (!best || point.length > best.point.length)) best = { point, root };
  }
  if (!best || best.point === '/') return { kind: 'none', source: '' };
  const named = /\/volumes\/([^/]+)\/_data$/.exec(best.root);
  if (named) {
    const name = named[1] as string;
    return { kind: declared === 'external' ? 'external-volume' : 'named-volume', source: name };
  }
  return { kind: 'bind', source: best.root };
}

/** Gathers every fact the checks need. */
export async function gatherFacts(i: DoctorInputs): Promise<DoctorFacts> {
  const { config } = i;
  let mountinfo = i.mountinfo;
  if (mountinfo === undefined) {
    try {
      mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
    } catch {
      mountinfo = '';
    }
  }
  return {
    dataDir: await dataDirFacts(config.dataDir),
    programs: i.supervisor.status(),
    listeners: await listenerFacts(config),
    secret: secretFacts(config.dataDir),
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    dockerStopMs: i.dockerStopMs,
    backup: backupFacts(config, i.timezone),
    volume: volumeOf(config.dataDir, mountinfo, i.dataVolume),
  };
}
