// appos-ctl's verbs about apposd itself: reload, health, pid, shutdown, backups, doctor and
// version.
import { call } from '../control/client.js';
import {
  formatBackup,
  formatBackups,
  formatDoctor,
  formatHealth,
  formatReload,
} from '../control/format.js';
import {
  ROUTES,
  type BackupResponse,
  type BackupsResponse,
  type DoctorResponse,
  type HealthResponse,
  type ReloadResponse,
  type RestoreResponse,
  type StatusResponse,
  type VersionResponse,
} from '../control/protocol.js';
import { EXIT, UsageError } from '../errors.js';
import { ACTION_TIMEOUT_MS, type Verb, noArgs, print, query, show } from './context.js';

/** The daemon verbs, in the order help lists them. */
export const DAEMON_VERBS: Record<string, Verb> = {
  reload: {
    usage: 'reload',
    summary: 'reread the config, apply only what changed',
    details: 'Prints "NAME: added|changed|removed" per program touched, or "no changes".',
    options: ['json'],
    run: async (ctx) => {
      noArgs(ctx, 'reload');
      const client = { ...ctx.client, timeoutMs: ACTION_TIMEOUT_MS };
      const r = await call<ReloadResponse>(client, 'POST', ROUTES.RELOAD);
      show(ctx, r, formatReload);
      return EXIT.OK;
    },
  },
  health: {
    usage: 'health [--json]',
    summary: 'exit 0 healthy, 1 not (never 2): HEALTHCHECK',
    details: 'Healthy: every critical program RUNNING and ready, and apposd not stopping.',
    options: ['json'],
    run: async (ctx) => {
      noArgs(ctx, 'health');
      const r = await call<HealthResponse>(ctx.client, 'GET', ROUTES.HEALTH);
      show(ctx, r, formatHealth);
      return r.healthy ? EXIT.OK : EXIT.FAILED;
    },
  },
  pid: {
    usage: 'pid [NAME]',
    summary: "print apposd's pid, or a program's",
    details: 'A program without a process prints nothing on stdout, a line on stderr, exit 1.',
    options: [],
    run: async (ctx) => {
      noArgs(ctx, 'pid', 1);
      const name = ctx.args[0];
      if (name === undefined) {
        print(
          ctx.term,
          String((await call<VersionResponse>(ctx.client, 'GET', ROUTES.VERSION)).pid),
        );
        return EXIT.OK;
      }
      const r = await call<StatusResponse>(ctx.client, 'GET', ROUTES.STATUS + query({ name }));
      const p = r.programs[0];
      if (!p || p.pid === null) {
        ctx.term.err(`${name}: no process (${p?.state ?? 'unknown'})\n`);
        return EXIT.FAILED;
      }
      print(ctx.term, String(p.pid));
      return EXIT.OK;
    },
  },
  shutdown: {
    usage: 'shutdown',
    summary: 'stop every program, then apposd',
    details: 'Returns once apposd has accepted; it then shuts down in the background.',
    options: [],
    run: async (ctx) => {
      noArgs(ctx, 'shutdown');
      await call(ctx.client, 'POST', ROUTES.SHUTDOWN);
      print(ctx.term, 'Shut down');
      return EXIT.OK;
    },
  },
  backup: {
    usage: 'backup [--json]',
    summary: 'take one consistent backup now',
    details: [
      "Prints the new archive's id and path. Exit 1 on failure, with the reason; older",
      'archives are then left as they were (retention runs only after a backup succeeded).',
    ].join('\n'),
    options: ['json'],
    run: async (ctx) => {
      noArgs(ctx, 'backup');
      const client = { ...ctx.client, timeoutMs: ACTION_TIMEOUT_MS };
      const r = await call<BackupResponse>(client, 'POST', ROUTES.BACKUP);
      show(ctx, r, formatBackup);
      return EXIT.OK;
    },
  },
  backups: {
    usage: 'backups [--json]',
    summary: 'list the backups: id, time, size, what each holds',
    details: 'Oldest first.',
    options: ['json'],
    run: async (ctx) => {
      noArgs(ctx, 'backups');
      const r = await call<BackupsResponse>(ctx.client, 'GET', ROUTES.BACKUPS);
      show(ctx, r, formatBackups);
      return EXIT.OK;
    },
  },
  restore: {
    usage: 'restore ID',
    summary: 'check a backup, stop what it covers, restore it, start again',
    details: [
      'The archive is checked against its manifest first: a corrupt or partial one is refused',
      '(exit 1) and nothing is touched. Otherwise the programs it covers are stopped in reverse',
      'start order, their data replaced, and started in start order.',
    ].join('\n'),
    options: ['json'],
    run: async (ctx) => {
      if (ctx.args.length !== 1) throw new UsageError('restore needs one backup id', 'restore');
      const client = { ...ctx.client, timeoutMs: ACTION_TIMEOUT_MS };
      const r = await call<RestoreResponse>(client, 'POST', ROUTES.RESTORE, { id: ctx.args[0] });
      show(ctx, r, (v) => [
        `restored ${v.id}: ${v.programs.join(', ') || 'files only'}`,
        ...v.failed,
      ]);
      return r.failed.length === 0 ? EXIT.OK : EXIT.FAILED;
    },
  },
  doctor: {
    usage: 'doctor [--json]',
    summary: 'run the troubleshooting checks: ok/fail and the fix',
    details: 'See docs/troubleshooting.md. Exit 0 when every check is ok, 1 otherwise.',
    options: ['json'],
    run: async (ctx) => {
      noArgs(ctx, 'doctor');
      const client = { ...ctx.client, timeoutMs: 60_000 };
      const r = await call<DoctorResponse>(client, 'GET', ROUTES.DOCTOR);
      show(ctx, r, formatDoctor);
      return r.ok ? EXIT.OK : EXIT.FAILED;
    },
  },
  version: {
    usage: 'version',
    summary: "print apposd's version",
    details: '',
    options: ['json'],
    run: async (ctx) => {
      noArgs(ctx, 'version');
      const r = await call<VersionResponse>(ctx.client, 'GET', ROUTES.VERSION);
      show(ctx, r, (v) => v.version);
      return EXIT.OK;
    },
  },
};
