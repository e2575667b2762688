#!/usr/bin/env node
// apposd's composition root and the only file that touches process.*: argv, config, wiring of
// supervisor, logs, HTTP edge and control socket, signals, and the exit code.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './config/config-error.js';
import { loadConfig, resolveConfigPath } from './config/load.js';
import { formatPlan } from './config/plan.js';
import { jsonSchema } from './config/schema.js';
import type { AppConfig } from './config/types.js';
import { formatUse, unsetWarning } from './config/unset-variables.js';
import type { ControlServer } from './control/server.js';
import { prepareSocketPath } from './control/socket-file.js';
import { type Cli, USAGE, parseCli } from './daemon-cli.js';
import { EXIT, isAppError } from './errors.js';
import type { HttpEdge } from './http/server.js';
import { type Host, openFileLimit } from './host.js';
import { assertCanListen } from './http/listen-check.js';
import type { LlhttpBinding } from './http/wire/llhttp.js';
import { createLogger } from './log/logger.js';
import { OutputRelay } from './log/output-relay.js';
import { createReloader } from './reload.js';
import { BackupService } from './backup/service.js';
import { isDuration, parseDuration } from './config/units.js';
import { Scheduler } from './schedule/scheduler.js';
import { startPlan } from './supervisor/order.js';
import { openRunTracker } from './supervisor/lineage/tracker.js';
import { Reaper } from './supervisor/reaper.js';
import { osSpawner } from './supervisor/spawner.js';
import { Supervisor } from './supervisor/supervisor.js';
import { UpstreamMonitor } from './upstreams/monitor.js';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const version = (
  JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }
).version;

/** apposd's own OS process, as the modules main wires take it (src/host.ts). */
const host: Host = {
  pid: process.pid,
  kill: (pid, signal) => void process.kill(pid, signal),
  umask: (mask) => process.umask(mask),
  onSignal: (signal, listener) => {
    process.on(signal, listener);
    return () => void process.off(signal, listener);
  },
};

function load(cli: Cli): { path: string; config: AppConfig } {
  const path = resolveConfigPath(cli.config, process.env, packageRoot);
  return { path, config: loadConfig(path, process.env, { hostChecks: !cli.hostIndependent }) };
}

async function run(path: string, config: AppConfig, hostChecks: boolean): Promise<number> {
  const { logger, flush } = createLogger(config.log);
  // Track node's children before anything is spawned; orphans are reaped through libc.
  const reaper = new Reaper(host);
  reaper.install(() => logger.warn({}, 'cannot load libc: orphaned processes will not be reaped'));
  const relay = new OutputRelay({
    logger,
    dir: config.log.dir,
    maxBytes: config.log.maxBytes,
    backups: config.log.backups,
    tailBytes: config.log.tailBytes,
  });
  // What escapes a program's process group is still its own: a cgroup per run, else lineage.
  const { tracker, record, message } = openRunTracker(host, process.env.APPOS_CGROUP);
  logger.info(record, message);
  const supervisor = new Supervisor({
    programs: config.programs,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    sink: relay,
    logger,
    host,
    spawner: osSpawner(host, tracker),
  });
  // Routes with `probe:` watch upstreams apposd does not run (edge-only mode).
  const upstreams = new UpstreamMonitor(config.http?.routes ?? [], host);
  const scheduler = new Scheduler({
    supervisor,
    logger,
    timezone: process.env.TZ,
    stateFile:
      config.dataDir === undefined ? undefined : join(config.dataDir, '.apposd', 'schedules.json'),
  });
  const backups = new BackupService({ supervisor, logger, timezone: process.env.TZ });
  backups.apply(config.backups, config.dataDir);
  logger.info(
    { version, config: path, pid: process.pid },
    `apposd ${version} starting (${config.programs.length} programs, ${upstreams.status().length} probed upstreams)`,
  );
  // An unset ${VAR} became "": say so, with where it is used, at start and at every reload.
  const warnUnset = (cfg: AppConfig): void => {
    for (const v of cfg.unsetVariables ?? []) {
      logger.warn({ variable: v.name, uses: v.uses.map(formatUse) }, unsetWarning(v));
    }
  };
  warnUnset(config);

  const stopGrace = process.env.APPOS_STOP_GRACE ?? '10s';
  const dockerStopMs = isDuration(stopGrace) ? parseDuration(stopGrace) : 10_000;
  let control: ControlServer | null = null;
  let edge: HttpEdge | null = null;
  const { reload, current } = createReloader({
    load: () => loadConfig(path, process.env, { hostChecks }),
    started: config,
    supervisor,
    scheduler,
    backups,
    upstreams,
    edge: () => edge,
    warnUnset,
    logger,
  });

  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, `received ${signal}`);
    void supervisor.shutdown(0, `received ${signal}`);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGQUIT', onSignal);
  process.on('SIGHUP', () => {
    logger.info({ signal: 'SIGHUP' }, 'received SIGHUP: reloading config');
    reload().catch((err: unknown) => {
      const msg = err instanceof ConfigError ? err.format() : String(err);
      logger.error({ err: msg }, 'reload failed; keeping the running config');
    });
  });
  // Node opens its inspector on SIGUSR1 and dies of SIGUSR2 by default: neither fits PID 1.
  for (const sig of ['SIGUSR1', 'SIGUSR2'] as const) {
    process.on(sig, () => logger.info({ signal: sig }, `received ${sig}: ignored`));
  }
  process.on('uncaughtException', (err) =>
    logger.error({ err }, 'uncaught exception (kept running)'),
  );
  process.on('unhandledRejection', (err) =>
    logger.error({ err }, 'unhandled rejection (kept running)'),
  );

  // Refuse before anything runs when another apposd owns the socket or the port is taken;
  // then spawn first and load the listeners' heavier modules while the children start.
  try {
    await prepareSocketPath(config.control.socket);
    if (config.http) await assertCanListen(config.http.host, config.http.port);
  } catch (err) {
    return refuse(err);
  }
  // A program that daemonizes at once must find apposd a subreaper already (as PID 1, the
  // container, every orphan comes to apposd anyway: then this does not wait for libc).
  await reaper.ready;
  supervisor.boot();
  upstreams.start();
  scheduler.apply(config.schedules);
  // The public listener first: it is what "every service answering" waits for.
  try {
    if (config.http) {
      const { createHttpServer } = await import('./http/server.js');
      const server = await createHttpServer({
        http: config.http,
        supervisor,
        upstreams,
        logger,
        fdLimit: openFileLimit(),
        llhttp: llhttpBinding(),
      });
      edge = server;
      const at = await server.listen();
      logger.info({ host: at.host, port: at.port }, `http listening on ${at.host}:${at.port}`);
    }
    const { startControlServer } = await import('./control/server.js');
    control = await startControlServer({
      socket: config.control.socket,
      supervisor,
      upstreams,
      logs: relay,
      reload,
      shutdown: () => void supervisor.shutdown(0, 'appos-ctl shutdown'),
      version,
      host,
      logger,
      nextRunAt: (name) => scheduler.nextRunAt(name),
      backups,
      doctor: async () =>
        (await import('./doctor/doctor.js')).runDoctor({
          config: current(),
          supervisor,
          dockerStopMs,
          dataVolume: process.env.APPOS_DATA_VOLUME,
          timezone: process.env.TZ,
        }),
    });
  } catch (err) {
    const code = isAppError(err) ? err.code : undefined;
    logger.fatal({ err: String(err), code }, `cannot start: ${(err as Error).message}`);
    void supervisor.shutdown(EXIT.CRITICAL, (err as Error).message, code);
  }
  // On shutdown the edge drains first, while the upstreams of its in-flight requests still run.
  supervisor.setDrain((budgetMs) => (edge ? edge.close(budgetMs) : Promise.resolve()));
  if (supervisor.stopping && edge) await edge.close(0);
  const code = await supervisor.done;
  upstreams.stop();
  scheduler.close();
  backups.close();
  await control?.close().catch(() => undefined);
  return finish(code);

  async function refuse(err: unknown): Promise<number> {
    const msg = err instanceof Error ? err.message : String(err);
    logger.fatal(
      { err: msg, code: isAppError(err) ? err.code : undefined },
      `cannot start: ${msg}`,
    );
    process.stderr.write(`apposd: ${msg}\n`);
    await tracker.close();
    await flush().catch(() => undefined);
    reaper.dispose();
    return EXIT.CRITICAL;
  }

  async function finish(exitCode: number): Promise<number> {
    await tracker.close();
    logger.info({ exitCode }, `apposd exiting with code ${exitCode}`);
    await relay.closeAll().catch(() => undefined);
    await flush().catch(() => undefined);
    reaper.dispose();
    return exitCode;
  }
}

/**
 * Node's own llhttp binding for the edge's hot path (src/http/wire), obtained without its
 * one-time DEP0111 warning: it is the parser node:http runs, reached without its objects.
 */
function llhttpBinding(): LlhttpBinding {
  const quiet = process.noDeprecation;
  process.noDeprecation = true;
  try {
    return (process as unknown as { binding(name: string): LlhttpBinding }).binding('http_parser');
  } finally {
    process.noDeprecation = quiet;
  }
}

async function main(): Promise<number> {
  let cli: Cli;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`apposd: ${(err as Error).message}\n${USAGE}\n`);
    return EXIT.USAGE;
  }
  if (cli.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.OK;
  }
  if (cli.command === 'version') {
    process.stdout.write(`apposd ${version}\n`);
    return EXIT.OK;
  }
  if (cli.command === 'schema') {
    process.stdout.write(`${JSON.stringify(jsonSchema(), null, 2)}\n`);
    return EXIT.OK;
  }
  let loaded: { path: string; config: AppConfig };
  try {
    loaded = load(cli);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.format()}\n`);
      return EXIT.CONFIG;
    }
    throw err;
  }
  if (cli.command === 'check') {
    process.stdout.write(`${formatPlan(loaded.config, startPlan(loaded.config.programs))}\n`);
    return EXIT.OK;
  }
  if (cli.command === 'export') {
    const { runExport } = await import('./export/command.js');
    return runExport(cli.target, cli.output, loaded, {
      cwd: process.cwd(),
      stdout: (text) => void process.stdout.write(text),
      stderr: (text) => void process.stderr.write(text),
    });
  }
  return run(loaded.path, loaded.config, !cli.hostIndependent);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const msg = isAppError(err) ? `${err.message} (${err.code})` : String(err);
    process.stderr.write(`apposd: ${msg}\n`);
    process.exit(EXIT.CRITICAL);
  },
);
