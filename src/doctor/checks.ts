// appos-ctl doctor's checks as pure functions over gathered facts: each says ok or fail, what
// it found and the fix (docs/troubleshooting.md explains each in full).
import type { DoctorCheck } from '../control/protocol.js';
import type { ProgramStatus } from '../supervisor/api.js';

/** Free space below this fails the data dir check. */
export const MIN_FREE_BYTES = 100 * 1024 * 1024;

/** Everything the checks look at, gathered by facts.ts (or given by a test). */
export interface DoctorFacts {
  dataDir: { path: string; writable: string | null; freeBytes: number } | null;
  programs: readonly ProgramStatus[];
  /** Each listener ("http 0.0.0.0:80", "upstream backend 127.0.0.1:8080") and its connect error. */
  listeners: readonly { name: string; error: string | null }[];
  /** The secret key file: its mode, owner, and the uid it should have; null when absent. */
  secret: { path: string; mode: number; uid: number; expectedUid: number } | null;
  shutdownTimeoutMs: number;
  /** Docker's stop grace (10 s unless the operator says otherwise). */
  dockerStopMs: number;
  /** Age of the newest backup (ms), null when there is none; `maxAgeMs` what is acceptable. */
  backup: { configured: boolean; ageMs: number | null; maxAgeMs: number };
  /** How the data dir is mounted: "bind", "named-volume", "external-volume" or "none". */
  volume: { kind: 'bind' | 'named-volume' | 'external-volume' | 'none'; source: string };
}

const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(0)} MiB`;
const hours = (ms: number): string => `${(ms / 3_600_000).toFixed(1)} h`;

const check = (name: string, ok: boolean, detail: string, fix: string): DoctorCheck => ({
  name,
  ok,
  detail,
  fix: ok ? '' : fix,
});

export function checkDataDir(f: DoctorFacts): DoctorCheck {
  const d = f.dataDir;
  if (!d) return check('data dir', false, 'no data_dir in the config', 'set data_dir');
  if (d.writable !== null) {
    return check(
      'data dir',
      false,
      `${d.path} is not writable (${d.writable})`,
      `mount the volume read-write and let root own ${d.path}: docker compose down && docker compose up -d`,
    );
  }
  return check(
    'data dir',
    d.freeBytes >= MIN_FREE_BYTES,
    `${d.path} writable, ${mib(d.freeBytes)} free`,
    'free space on the volume: docker system df; prune old backups or images',
  );
}

/** A program is fine RUNNING, as a completed oneshot, or as a oneshot never run yet. */
function programFine(p: ProgramStatus): boolean {
  if (p.state === 'RUNNING') return true;
  if (p.kind === 'oneshot') return p.completed || (p.state === 'STOPPED' && p.lastExit === null);
  return false;
}

export function checkPrograms(f: DoctorFacts): DoctorCheck[] {
  return f.programs.map((p) => {
    const exit = p.lastExit ? `, last exit ${p.lastExit.code ?? p.lastExit.signal}` : '';
    const why = p.reason ? ` (${p.reason})` : '';
    return check(
      `program ${p.name}`,
      programFine(p),
      `${p.state}${why}${exit}`,
      `appos-ctl tail ${p.name} stderr; then appos-ctl restart ${p.name}`,
    );
  });
}

export function checkListeners(f: DoctorFacts): DoctorCheck[] {
  return f.listeners.map((l) =>
    check(
      `listener ${l.name}`,
      l.error === null,
      l.error === null ? 'accepts connections' : `refused (${l.error})`,
      'appos-ctl status; the program behind it must be RUNNING and listen on that address',
    ),
  );
}

export function checkProbes(f: DoctorFacts): DoctorCheck[] {
  const out: DoctorCheck[] = [];
  for (const p of f.programs) {
    for (const [which, r] of [
      ['ready', p.readyProbe],
      ['live', p.liveProbe],
    ] as const) {
      if (!r) continue;
      out.push(
        check(
          `probe ${p.name} ${which}`,
          r.ok,
          r.ok ? `passed in ${Math.round(r.latencyMs)} ms` : `failed: ${r.error ?? 'failed'}`,
          `appos-ctl status ${p.name}; appos-ctl tail ${p.name} stderr`,
        ),
      );
    }
  }
  return out;
}

export function checkSecret(f: DoctorFacts): DoctorCheck {
  const s = f.secret;
  if (!s) return check('secret key', true, 'no secret key file', '');
  const mode = (s.mode & 0o777).toString(8).padStart(4, '0');
  const ok = (s.mode & 0o077) === 0 && s.uid === s.expectedUid;
  return check(
    'secret key',
    ok,
    `${s.path} mode ${mode}, owner uid ${s.uid} (want 0600, uid ${s.expectedUid})`,
    `docker exec appos sh -c 'chmod 600 ${s.path} && chown ${s.expectedUid} ${s.path}'`,
  );
}

export function checkShutdown(f: DoctorFacts): DoctorCheck {
  // A second for apposd itself to exit after the last program is gone.
  const ok = f.shutdownTimeoutMs + 1000 <= f.dockerStopMs;
  return check(
    'shutdown budget',
    ok,
    `shutdown_timeout ${f.shutdownTimeoutMs / 1000}s, docker stop waits ${f.dockerStopMs / 1000}s`,
    'lower shutdown_timeout below the stop grace, or raise stop_grace_period in compose',
  );
}

export function checkBackup(f: DoctorFacts): DoctorCheck {
  const b = f.backup;
  if (!b.configured) {
    return check('last backup', false, 'no backups configured', 'add a backups: section');
  }
  if (b.ageMs === null) {
    return check('last backup', false, 'no backup yet', 'docker exec appos appos-ctl backup');
  }
  return check(
    'last backup',
    b.ageMs <= b.maxAgeMs,
    `${hours(b.ageMs)} old (at most ${hours(b.maxAgeMs)})`,
    'docker exec appos appos-ctl backup; then appos-ctl logs | grep backup for why the schedule failed',
  );
}

export function checkVolume(f: DoctorFacts): DoctorCheck {
  const v = f.volume;
  const details = {
    bind: `bind mount of ${v.source}`,
    'external-volume': `external volume ${v.source}`,
    'named-volume': `named volume ${v.source}: docker compose down -v deletes it`,
    none: 'not a mount: the data is in the container and goes with it',
  };
  return check(
    'volume',
    v.kind === 'bind' || v.kind === 'external-volume',
    details[v.kind],
    'bind-mount APPOS_DATA_PATH (docker/docker-compose.yml), or declare the volume external',
  );
}

/** Every check, in the order docs/troubleshooting.md walks them. */
export function runChecks(f: DoctorFacts): DoctorCheck[] {
  return [
    checkDataDir(f),
    ...checkPrograms(f),
    ...checkListeners(f),
    ...checkProbes(f),
    checkSecret(f),
    checkShutdown(f),
    checkBackup(f),
    checkVolume(f),
  ];
}
