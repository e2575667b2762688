// Describes a resolved config for `apposd check`: non-fatal warnings and the printed start plan.
// The order itself is computed by the supervisor room (supervisor/order.ts) and passed in.
// Shows no env values, argv or URL secrets.
import { redactUrl } from './address.js';
import type { AppConfig, ProbeConfig, ProgramConfig, RouteConfig, StartPlan } from './types.js';
import { formatDuration } from './units.js';

/** Docker's default grace between SIGTERM and SIGKILL on `docker stop`. */
const DOCKER_STOP_GRACE_MS = 10_000;

/** Non-fatal findings worth printing at startup and in `apposd check`. */
export function checkWarnings(config: AppConfig, plan: StartPlan): string[] {
  const warnings = [...(config.loadWarnings ?? [])];
  const { programs } = config;
  // Routes and no programs is the edge alone (edge-only mode), not an oversight.
  if (programs.length === 0 && (config.http?.routes.length ?? 0) === 0) {
    warnings.push('no programs are defined');
  }
  const path = plan.shutdown;
  if (path.ms > config.shutdownTimeoutMs) {
    const chain = path.chain
      .map((n) => `${n} ${formatDuration(programs.find((p) => p.name === n)?.stopTimeoutMs ?? 0)}`)
      .join(' -> ');
    warnings.push(
      `stopping may take ${formatDuration(path.ms)} (${chain}) but shutdown_timeout is ` +
        `${formatDuration(config.shutdownTimeoutMs)}: lower stop_timeout or raise shutdown_timeout`,
    );
  }
  if (config.shutdownTimeoutMs > DOCKER_STOP_GRACE_MS) {
    warnings.push(
      `shutdown_timeout ${formatDuration(config.shutdownTimeoutMs)} exceeds docker stop's ` +
        'default 10s grace: raise it with `docker stop -t` or stop_grace_period',
    );
  }
  const byName = new Map(programs.map((p) => [p.name, p]));
  for (const p of programs) {
    if (p.critical && p.restart === 'never') {
      warnings.push(`${p.name}: critical with restart: never, so its first exit stops apposd`);
    }
    if (p.kind === 'oneshot' && p.restart === 'always') {
      warnings.push(`${p.name}: a oneshot with restart: always runs again after every exit`);
    }
    if (p.kind === 'oneshot' && p.live) {
      warnings.push(`${p.name}: a live probe on a oneshot is never checked once it completes`);
    }
    for (const probe of [p.ready, p.live]) {
      if (probe && probe.timeoutMs > probe.intervalMs) {
        warnings.push(`${p.name}: a ${probe.kind} probe's timeout is longer than its interval`);
      }
    }
    for (const dep of p.dependsOn) {
      if (p.autostart && byName.get(dep.name)?.autostart === false) {
        warnings.push(
          `${p.name}: depends on ${dep.name}, which has autostart: false; ` +
            `${p.name} waits until ${dep.name} is started by hand`,
        );
      }
    }
  }
  return warnings;
}

/**
 * The names of the variables a program starts with (never their values): what it inherits,
 * HOME, USER and LOGNAME when it runs as a `user`, then its env_file and env.
 */
export function programEnvNames(p: ProgramConfig): string[] {
  const names = new Set([...Object.keys(p.inherited), ...Object.keys(p.env)]);
  if (p.user !== undefined) for (const n of ['HOME', 'USER', 'LOGNAME']) names.add(n);
  return [...names].sort();
}

function probeSummary(probe: ProbeConfig): string {
  const target =
    probe.kind === 'exec'
      ? (probe.argv[0] ?? '')
      : probe.kind === 'tcp'
        ? probe.target
        : redactUrl(probe.target);
  const expect = probe.expect === undefined ? '' : ` expect ${probe.expect}`;
  return (
    `${probe.kind} ${target}${expect} every ${formatDuration(probe.intervalMs)}` +
    `, timeout ${formatDuration(probe.timeoutMs)}, retries ${probe.retries}` +
    (probe.initialDelayMs > 0 ? `, after ${formatDuration(probe.initialDelayMs)}` : '')
  );
}

function programLines(p: ProgramConfig, index: number, width: number): string[] {
  const flags = [p.kind, `priority ${p.priority}`];
  if (p.critical) flags.push('critical');
  if (!p.autostart) flags.push('autostart off');
  const lines = [`  ${`${index + 1}.`.padEnd(4)}${p.name.padEnd(width)}  ${flags.join(', ')}`];
  const detail = (label: string, text: string): void => {
    lines.push(`        ${label.padEnd(11)}${text}`);
  };
  detail('runs', `${p.command[0] ?? ''}${p.user === undefined ? '' : ` as ${p.user}`}`);
  const env = programEnvNames(p);
  detail('env', env.length > 0 ? env.join(' ') : '(none)');
  if (p.dependsOn.length > 0) {
    detail('after', p.dependsOn.map((d) => `${d.name} (${d.condition})`).join(', '));
  }
  detail('ready', p.ready ? probeSummary(p.ready) : `after ${formatDuration(p.startSecondsMs)} up`);
  if (p.live) detail('live', probeSummary(p.live));
  detail(
    'restart',
    `${p.restart}, ${p.startRetries} retries, backoff ` +
      `${formatDuration(p.backoff.initialMs)}..${formatDuration(p.backoff.maxMs)}`,
  );
  detail('stop', `${p.stopSignal}, SIGKILL after ${formatDuration(p.stopTimeoutMs)}`);
  return lines;
}

function routeLine(r: RouteConfig, width: number): string {
  if (r.static !== undefined) {
    return `  ${r.path.padEnd(width)}  static ${r.static}${r.spa ? ' (spa)' : ''}`;
  }
  const notes = [
    r.program,
    r.websocket ? 'websocket' : undefined,
    r.stripPrefix ? 'strip prefix' : undefined,
    r.holdMs === undefined ? undefined : `hold ${formatDuration(r.holdMs)}`,
    r.probe === undefined ? undefined : `${r.probe.kind} probe`,
  ].filter((n) => n !== undefined);
  const extra = notes.length > 0 ? ` (${notes.join(', ')})` : '';
  return `  ${r.path.padEnd(width)}  -> ${redactUrl(r.upstream ?? '')}${extra}`;
}

/** What `apposd check` prints: the start plan, the HTTP routes, the shutdown budget, warnings. */
export function formatPlan(config: AppConfig, plan: StartPlan): string {
  const { order } = plan;
  const width = Math.max(0, ...order.map((p) => p.name.length));
  const count = order.length === 1 ? '1 program' : `${order.length} programs`;
  const out = [`config ${config.file} is valid`, '', `start order (${count}):`];
  order.forEach((p, i) => out.push(...programLines(p, i, width)));
  out.push('');
  if (config.http) {
    const { host, port, routes } = config.http;
    const shown = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    out.push(`http on ${shown} (${routes.length} routes, /api/health built in):`);
    const w = Math.max(0, ...routes.map((r) => r.path.length));
    for (const r of routes) out.push(routeLine(r, w));
  } else {
    out.push('http: no public listener');
  }
  out.push(`control socket ${config.control.socket}`);
  const path = plan.shutdown;
  out.push(
    `shutdown: up to ${formatDuration(path.ms)}` +
      (path.chain.length > 1 ? ` (${path.chain.join(' -> ')})` : '') +
      `, deadline ${formatDuration(config.shutdownTimeoutMs)}`,
  );
  const warnings = checkWarnings(config, plan);
  if (warnings.length > 0) {
    out.push('', `warnings (${warnings.length}):`, ...warnings.map((w) => `  - ${w}`));
  }
  return out.join('\n');
}
