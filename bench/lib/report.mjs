// Turns the launches' measurements into one table: classic, apposd, the ratio apposd / classic
// (medians over launches), the goal, and whether it is met.
import { ROUTES } from './measure.mjs';
import { median } from './stats.mjs';

/**
 * @typedef {object} Row
 * @property {string} metric
 * @property {number | null} classic
 * @property {number | null} apposd
 * @property {number | null} ratio   apposd / classic
 * @property {string} unit
 * @property {string} goal           '' when the issue sets none
 * @property {boolean | null} met    null when there is no goal or no figure
 */

const pick = (launches, get) => median(launches.map(get).map((v) => (v === undefined ? null : v)));

/**
 * @param {{classic: object[], apposd: object[]}} launches  measureLaunch() results per stack
 * @param {{classic: {zombies: number} | null, apposd: {zombies: number} | null}} zombies
 * @returns {Row[]}
 */
export function buildRows(launches, zombies) {
  const C = launches.classic;
  const A = launches.apposd;
  /** @type {Row[]} */
  const rows = [];
  const add = (metric, unit, classic, apposd, goal = '', test = null) => {
    const ratio = classic && apposd !== null && classic !== 0 ? apposd / classic : null;
    let met = null;
    if (test && apposd !== null && classic !== null) met = test(ratio, apposd, classic);
    rows.push({ metric, unit, classic, apposd, ratio, goal, met });
  };
  const atLeast = (x) => (r) => r !== null && r >= x;
  const atMost = (x) => (r) => r !== null && r <= x;
  const http = (key, field) => (m) => m.http?.[key]?.[field] ?? null;

  for (const route of ROUTES) {
    const classicKey = route.apposdOnly ? 'api_small' : route.key;
    const label = route.apposdOnly ? `${route.label} (classic: proxied small JSON)` : route.label;
    // Issue 10's goals: req/s, p99, layer CPU per request against nginx in the same run.
    const goals = {
      api_small: ['>= 1.0x', atLeast(1), '<= 1.2x', atMost(1.2), '<= 1.5x', atMost(1.5)],
      pb_health: ['>= 1.0x', atLeast(1), '<= 1.2x', atMost(1.2), '<= 1.5x', atMost(1.5)],
      api_1mib: ['>= 1.0x', atLeast(1), '', null, '', null],
      index: ['>= 1.0x', atLeast(1), '', null, '', null],
      asset: ['>= 1.0x', atLeast(1), '', null, '', null],
      asset_gzip: ['>= 2x', atLeast(2), '', null, '', null],
      api_health: ['>= 1.5x', atLeast(1.5), '', null, '', null],
    }[route.key] ?? ['', null, '', null, '', null];
    add(
      `${label}: req/s`,
      'req/s',
      pick(C, http(classicKey, 'rps')),
      pick(A, http(route.key, 'rps')),
      goals[0],
      goals[1],
    );
    add(`${label}: p50`, 'ms', pick(C, http(classicKey, 'p50')), pick(A, http(route.key, 'p50')));
    add(
      `${label}: p99`,
      'ms',
      pick(C, http(classicKey, 'p99')),
      pick(A, http(route.key, 'p99')),
      goals[2],
      goals[3],
    );
    add(
      `${label}: layer CPU per request`,
      'us',
      pick(C, http(classicKey, 'layerCpuUs')),
      pick(A, http(route.key, 'layerCpuUs')),
      goals[4],
      goals[5],
    );
    if (route.key === 'api_small' || route.key === 'pb_health') {
      for (const [field, where] of [
        ['layerUserUs', 'in user space'],
        ['layerSysUs', 'in the kernel'],
      ]) {
        add(
          `${label}: layer CPU per request ${where}`,
          'us',
          pick(C, http(classicKey, field)),
          pick(A, http(route.key, field)),
        );
      }
    }
  }
  // The other front doors (measured in the classic launches): the peer in the first column,
  // apposd in the second.
  const peer = (name, key, field) => (m) => m.peers?.[name]?.[key]?.[field] ?? null;
  for (const [name, title] of [
    ['haproxy', 'HAProxy 2.6'],
    ['caddy', 'Caddy 2.6'],
  ]) {
    for (const [key, label] of [
      ['api_small', '/api small JSON'],
      ['pb_health', '/pb/api/health'],
    ]) {
      add(
        `vs ${title}: ${label}: req/s`,
        'req/s',
        pick(C, peer(name, key, 'rps')),
        pick(A, http(key, 'rps')),
      );
      add(
        `vs ${title}: ${label}: p99`,
        'ms',
        pick(C, peer(name, key, 'p99')),
        pick(A, http(key, 'p99')),
      );
      add(
        `vs ${title}: ${label}: CPU per request`,
        'us',
        pick(C, peer(name, key, 'layerCpuUs')),
        pick(A, http(key, 'layerCpuUs')),
      );
    }
    add(
      `vs ${title}: RSS after load (apposd: whole layer)`,
      'MB',
      pick(C, (m) => (m.peers?.[name]?.rssLoadKb ?? null) && m.peers[name].rssLoadKb / 1024),
      pick(A, (m) => (m.rssLoadKb ?? null) && m.rssLoadKb / 1024),
    );
  }
  const direct = (key, field) => (m) => m.direct?.[key]?.[field] ?? null;
  add(
    'reference: backend direct, small JSON: req/s',
    'req/s',
    pick(C, direct('api_small', 'rps')),
    pick(A, direct('api_small', 'rps')),
  );
  add(
    'reference: backend direct, 1 MiB: req/s',
    'req/s',
    pick(C, direct('api_1mib', 'rps')),
    pick(A, direct('api_1mib', 'rps')),
  );
  add(
    'reference: backend direct, 64 MiB upload',
    'ms',
    pick(C, (m) => m.direct?.uploadMs ?? null),
    pick(A, (m) => m.direct?.uploadMs ?? null),
  );
  add(
    'websocket echo RTT /terminal: p50',
    'ms',
    pick(C, (m) => m.wsP50),
    pick(A, (m) => m.wsP50),
    '<= 1.2x',
    atMost(1.2),
  );
  add(
    'websocket echo RTT /terminal: p99',
    'ms',
    pick(C, (m) => m.wsP99),
    pick(A, (m) => m.wsP99),
  );
  add(
    '64 MiB upload to /api',
    'ms',
    pick(C, (m) => m.uploadMs),
    pick(A, (m) => m.uploadMs),
    '<= 0.7x',
    atMost(0.7),
  );
  const mb = (kb) => (kb === null ? null : kb / 1024);
  add(
    'layer RSS, 1 s after answering',
    'MB',
    mb(pick(C, (m) => m.rssStartKb ?? null)),
    mb(pick(A, (m) => m.rssStartKb ?? null)),
  );
  add(
    'layer RSS, idle (settled)',
    'MB',
    mb(pick(C, (m) => m.rssIdleKb)),
    mb(pick(A, (m) => m.rssIdleKb)),
    '<= 1.2x',
    atMost(1.2),
  );
  add(
    'layer RSS, after load',
    'MB',
    mb(pick(C, (m) => m.rssLoadKb)),
    mb(pick(A, (m) => m.rssLoadKb)),
    '<= 1.5x',
    atMost(1.5),
  );
  add(
    'layer RSS, peak (VmHWM)',
    'MB',
    mb(pick(C, (m) => m.rssPeakKb ?? null)),
    mb(pick(A, (m) => m.rssPeakKb ?? null)),
    '<= 2x',
    atMost(2),
  );
  add(
    'layer CPU while idle (settled), 10 s',
    'ms',
    pick(C, (m) => m.cpuIdleMs),
    pick(A, (m) => m.cpuIdleMs),
  );
  add(
    'launch -> first child spawned',
    'ms',
    pick(C, (m) => m.firstSpawnMs),
    pick(A, (m) => m.firstSpawnMs),
    'apposd <= 150 ms',
    (_r, a) => a <= 150,
  );
  add(
    'launch -> every service answering',
    'ms',
    pick(C, (m) => m.allAnsweringMs),
    pick(A, (m) => m.allAnsweringMs),
    '<= 0.5x',
    atMost(0.5),
  );
  add(
    'kill -9 backend -> answering again',
    'ms',
    pick(C, (m) => m.crashRecoveryMs),
    pick(A, (m) => m.crashRecoveryMs),
    '<= 0.25x',
    atMost(0.25),
  );
  add(
    'failed requests in that window (1 per 10 ms)',
    'req',
    pick(C, (m) => m.crashFailed),
    pick(A, (m) => m.crashFailed),
    '<= 0.1x',
    (_r, a, c) => a <= 0.1 * c,
  );
  add(
    'SIGTERM -> every process gone',
    'ms',
    pick(C, (m) => m.sigtermMs),
    pick(A, (m) => m.sigtermMs),
    '<= 0.5x',
    atMost(0.5),
  );
  add(
    'status CLI wall time',
    'ms',
    pick(C, (m) => m.statusMs),
    pick(A, (m) => m.statusMs),
    '<= 0.5x',
    atMost(0.5),
  );
  add(
    'zombies after 200 orphans, as PID 1',
    'count',
    zombies.classic?.zombies ?? null,
    zombies.apposd?.zombies ?? null,
    'apposd 0',
    (_r, a) => a === 0,
  );
  return rows;
}

const num = (v, unit) => {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  if (unit === 'req/s' || unit === 'count' || unit === 'req')
    return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(Math.abs(v) >= 10 ? 1 : 2);
};

/** The rows as a Markdown table (readable in a terminal too). */
export function formatTable(rows) {
  const head = ['metric', 'unit', 'classic', 'apposd', 'apposd/classic', 'goal', 'met'];
  const body = rows.map((r) => [
    r.metric,
    r.unit,
    num(r.classic, r.unit),
    num(r.apposd, r.unit),
    r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`,
    r.goal,
    r.met === null ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const sep = `| ${widths.map((w, i) => (i >= 2 && i <= 4 ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(head), sep, ...body.map(line)].join('\n');
}

/**
 * Lines about answers that were not what they should be (non-2xx/3xx, socket errors, a route
 * check that did not answer 200): figures next to them measure errors, not the route.
 * @param {{classic: object[], apposd: object[]}} launches
 */
export function anomalies(launches) {
  const out = [];
  for (const [name, list] of Object.entries(launches)) {
    list.forEach((m, i) => {
      for (const [key, h] of Object.entries(m.http ?? {})) {
        if (h.non2xx > 0 || h.socketErrors > 0) {
          out.push(
            `${name} #${i + 1} ${key}: ${h.non2xx} non-2xx/3xx, ${h.socketErrors} socket errors`,
          );
        }
      }
      for (const [key, c] of Object.entries(m.checks ?? {})) {
        const expected = name === 'classic' && key === 'api_health' ? 404 : 200;
        if (c && typeof c === 'object' && 'status' in c && c.status !== expected) {
          out.push(`${name} #${i + 1} ${key}: answered ${c.status}`);
        }
      }
      if (m.crashRecoveryMs === null)
        out.push(`${name} #${i + 1}: the backend did not answer again after kill -9`);
      if (m.sigtermForced)
        out.push(`${name} #${i + 1}: SIGTERM did not stop everything (SIGKILLed)`);
    });
  }
  return out;
}
