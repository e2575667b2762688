// The start plan of a resolved config: start order, the shutdown critical path, non-fatal
// warnings, and the text `apposd check` prints. Shows no env values, argv or URL secrets.
import { redactUrl } from './address.js';
import type { AppConfig, ProbeConfig, ProgramConfig, RouteConfig } from './types.js';
import { formatDuration } from './units.js';

/** Docker's default grace between SIGTERM and SIGKILL on `docker stop`. */
const DOCKER_STOP_GRACE_MS = 10_000;

/**
 * Programs in start order: every program after what it depends on; among programs free to
 * start, lower priority first, then file order. (Unknown dependencies are ignored; should a
 * cycle remain, its programs follow in priority order.)
 */
export function startOrder(programs: readonly ProgramConfig[]): ProgramConfig[] {
  const names = new Set(programs.map((p) => p.name));
  const pending = new Map(
    programs.map((p) => [
      p.name,
      new Set(p.dependsOn.map((d) => d.name).filter((n) => names.has(n))),
    ]),
  );
  const rank = (p: ProgramConfig): [number, number] => [p.priority, programs.indexOf(p)];
  const byRank = (a: ProgramConfig, b: ProgramConfig): number => {
    const [pa, ia] = rank(a);
    const [pb, ib] = rank(b);
    return pa - pb || ia - ib;
  };
  const order: ProgramConfig[] = [];
  const left = [...programs];
  while (left.length > 0) {
    const free = left.filter((p) => pending.get(p.name)?.size === 0);
    const next = (free.length > 0 ? free : left).sort(byRank)[0] as ProgramConfig;
    order.push(next);
    left.splice(left.indexOf(next), 1);
    for (const deps of pending.values()) deps.delete(next.name);
  }
  return order;
}

/**
 * For each program, the programs that must have stopped before it is signalled on shutdown:
 * the ones after it in start order that depend on it or have a higher priority number. So
 * shutdown runs in reverse start order, and only programs of equal priority with no
 * dependency between them stop together (supervisord stops by reverse priority too).
 */
export function stopBlockers(programs: readonly ProgramConfig[]): Map<string, string[]> {
  const order = startOrder(programs);
  const blockers = new Map<string, string[]>();
  order.forEach((p, i) => {
    const later = order.slice(i + 1);
    blockers.set(
      p.name,
      later
        .filter((q) => q.priority > p.priority || q.dependsOn.some((d) => d.name === p.name))
        .map((q) => q.name),
    );
  });
  return blockers;
}

/** The slowest chain of stop timeouts in shutdown order, and its programs (first stopped first). */
export function shutdownCriticalPath(programs: readonly ProgramConfig[]): {
  ms: number;
  chain: string[];
} {
  const byName = new Map(programs.map((p) => [p.name, p]));
  const blockers = stopBlockers(programs);
  const cost = new Map<string, { ms: number; chain: string[] }>();
  let worst = { ms: 0, chain: [] as string[] };
  for (const p of [...startOrder(programs)].reverse()) {
    let before = { ms: 0, chain: [] as string[] };
    for (const b of blockers.get(p.name) ?? []) {
      const c = cost.get(b);
      if (c && c.ms > before.ms) before = c;
    }
    // A oneshot has normally completed long before a shutdown: nothing of it to stop.
    if (p.kind === 'oneshot') {
      cost.set(p.name, before);
      continue;
    }
    const mine = {
      ms: (byName.get(p.name)?.stopTimeoutMs ?? 0) + before.ms,
      chain: [...before.chain, p.name],
    };
    cost.set(p.name, mine);
    if (mine.ms > worst.ms) worst = mine;
  }
  return worst;
}

/**
 * The worst-case time a graceful shutdown can take: the longest chain of `stop_timeout`s in
 * shutdown order (see stopBlockers).
 */
export function shutdownCriticalPathMs(programs: readonly ProgramConfig[]): number {
  return shutdownCriticalPath(programs).ms;
}

/** Non-fatal findings worth printing at startup and in `apposd check`. */
export function checkWarnings(config: AppConfig): string[] {
  const warnings = [...(config.loadWarnings ?? [])];
  const { programs } = config;
  if (programs.length === 0) warnings.push('no programs are defined');
  const path = shutdownCriticalPath(programs);
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
  ].filter((n) => n !== undefined);
  const extra = notes.length > 0 ? ` (${notes.join(', ')})` : '';
  return `  ${r.path.padEnd(width)}  -> ${redactUrl(r.upstream ?? '')}${extra}`;
}

/** What `apposd check` prints: the start plan, the HTTP routes, the shutdown budget, warnings. */
export function formatPlan(config: AppConfig): string {
  const order = startOrder(config.programs);
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
  const path = shutdownCriticalPath(config.programs);
  out.push(
    `shutdown: up to ${formatDuration(path.ms)}` +
      (path.chain.length > 1 ? ` (${path.chain.join(' -> ')})` : '') +
      `, deadline ${formatDuration(config.shutdownTimeoutMs)}`,
  );
  const warnings = checkWarnings(config);
  if (warnings.length > 0) {
    out.push('', `warnings (${warnings.length}):`, ...warnings.map((w) => `  - ${w}`));
  }
  return out.join('\n');
}
