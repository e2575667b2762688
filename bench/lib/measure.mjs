// One launch of one stack, measured end to end: launch -> first spawn and -> every service
// answering, idle RSS and CPU of the supervision + proxy layer, status CLI wall time, HTTP load
// per route, websocket RTT, the 64 MiB upload, RSS after load, kill -9 of the backend, and
// SIGTERM -> every process gone.
import { crashWindow } from './crash.mjs';
import { measurePeers } from './peers.mjs';
import { get, waitAll200 } from './http-client.mjs';
import { cpuNs, cpuPerRequest, cpuSplit, cpuTicks, CLK_TCK, hwmKb, loadavg, rssKb } from './procs.mjs';
import { runTracked } from './run-tracked.mjs';
import { stackEnv } from './stack.mjs';
import { median } from './stats.mjs';
import { upload } from './upload.mjs';
import { wrk } from './wrk.mjs';
import { wsRtt } from './ws-rtt.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** From "every service answering" to the idle readings (see the memory reducer note below). */
const IDLE_SETTLE_MS = 13_000;

/** The HTTP routes put under load, by key. `apposdOnly` routes exist only on apposd. */
export const ROUTES = [
  { key: 'api_small', label: '/api small JSON', path: '/api/hello', connections: 32 },
  { key: 'api_1mib', label: '/api 1 MiB', path: '/api/big', connections: 8 },
  { key: 'index', label: 'static index.html', path: '/', connections: 32 },
  { key: 'asset', label: 'static 48 KiB asset', path: '/assets/app-3f2a1b.js', connections: 32 },
  {
    key: 'asset_gzip',
    label: 'static 48 KiB asset, gzip',
    path: '/assets/app-3f2a1b.js',
    connections: 32,
    headers: { 'Accept-Encoding': 'gzip' },
  },
  { key: 'pb_health', label: '/pb/api/health', path: '/pb/api/health', connections: 32 },
  {
    key: 'api_health',
    label: '/api/health',
    path: '/api/health',
    connections: 32,
    apposdOnly: true,
  },
];

/**
 * @typedef {object} Plan
 * @property {number} wrkSeconds
 * @property {number} wsCount
 * @property {number} uploads
 * @property {number} uploadMib
 * @property {number} ctlRuns
 * @property {number} idleCpuSeconds
 */

/** Sum of VmRSS (KiB) over pids. */
const rssOf = (pids) => pids.reduce((sum, pid) => sum + rssKb(pid), 0);

/**
 * @param {import('./stack.mjs').Stack & {layerPids(): number[], firstSpawnAt(): number | null,
 *   statusCommand(): [string, string[]]}} stack
 * @param {import('./procs.mjs').ProcessTracker} tracker
 * @param {Plan} plan
 * @param {ReturnType<import('./upload.mjs').uploadBody>} body
 * @param {(line: string) => void} say
 */
export async function measureLaunch(stack, tracker, plan, body, say) {
  const isApposd = stack.constructor.name === 'ApposdStack';
  const m = { load: { before: loadavg() }, http: {}, checks: {} };
  const u = stack.url;
  try {
    stack.launch();
    const answeredAt = await waitAll200([`${u}/api/hello`, `${u}/pb/api/health`, `${u}/`], {
      timeoutMs: 30_000,
      intervalMs: 10,
    });
    m.allAnsweringMs = answeredAt - stack.launchAt;
    await stack.rootPid();
    let first = null;
    for (let i = 0; i < 100 && first === null; i++) {
      first = stack.firstSpawnAt();
      if (first === null) await sleep(20);
    }
    m.firstSpawnMs = first === null ? null : first - stack.launchAt;
    m.timeline = stack.timeline();
    say(`  up: first spawn ${fmt(m.firstSpawnMs)} ms, all answering ${fmt(m.allAnsweringMs)} ms`);

    await sleep(1000);
    m.rssStartKb = rssOf(stack.layerPids());

    const [cmd, args] = stack.statusCommand();
    const ctl = [];
    const codes = new Set();
    for (let i = 0; i < plan.ctlRuns; i++) {
      const r = await runTracked(tracker, cmd, args, { timeoutMs: 10_000, env: stackEnv() });
      ctl.push(r.ms);
      codes.add(r.code);
    }
    m.statusMs = median(ctl);
    m.statusSamples = ctl;
    m.checks.statusExitCodes = [...codes];

    // Idle means steady: V8's "memory reducer" runs one or two large GCs some 8 s after a Node
    // process went quiet (RSS drops), at times past 13 s after answering (the status CLI's runs
    // kept it busy): the 13 s reading is kept (rssIdle13sKb), the idle figure is read at the end
    // of the idle CPU window, settled as a container would be.
    await sleep(Math.max(0, answeredAt + IDLE_SETTLE_MS - Date.now()));
    const layer = stack.layerPids();
    m.layerProcesses = layer.length;
    m.rssIdle13sKb = rssOf(layer);
    m.load.idle = loadavg();
    const ticks0 = layer.reduce((s, pid) => s + cpuTicks(pid), 0);
    const ns0 = layer.reduce((s, pid) => s + cpuNs(pid), 0);
    await sleep(plan.idleCpuSeconds * 1000);
    const ns1 = layer.reduce((s, pid) => s + cpuNs(pid), 0);
    const ticks1 = layer.reduce((s, pid) => s + cpuTicks(pid), 0);
    m.rssIdleKb = rssOf(layer);
    m.cpuIdleMs = (ns1 - ns0) / 1e6;
    m.cpuIdleTicksMs = ((ticks1 - ticks0) * 1000) / CLK_TCK;
    say(
      `  idle: layer RSS ${(m.rssStartKb / 1024).toFixed(1)} MB at start, ${(m.rssIdle13sKb / 1024).toFixed(1)} MB 13 s after answering, ${(m.rssIdleKb / 1024).toFixed(1)} MB settled, CPU ${fmt(m.cpuIdleMs)} ms / ${plan.idleCpuSeconds} s; status CLI ${fmt(m.statusMs)} ms`,
    );

    for (const route of ROUTES) {
      const r = await get(`${u}${route.path}`, { headers: route.headers });
      m.checks[route.key] = {
        status: r.status,
        bytes: r.body.length,
        encoding: r.headers['content-encoding'] ?? null,
      };
    }
    m.load.load = loadavg();
    await wrk(tracker, `${u}/api/hello`, { seconds: 1, connections: 32 });
    await wrk(tracker, `${u}/`, { seconds: 1, connections: 32 });
    for (const route of ROUTES) {
      if (route.apposdOnly && !isApposd) continue;
      const headers = Object.entries(route.headers ?? {}).map(([k, v]) => `${k}: ${v}`);
      const pids = stack.layerPids();
      const cpu0 = cpuSplit(pids);
      const h = await wrk(tracker, `${u}${route.path}`, {
        seconds: plan.wrkSeconds,
        connections: route.connections,
        headers,
      });
      const cpu1 = cpuSplit(pids);
      // CPU the supervision + proxy layer spent per request: robust to the machine's other load.
      Object.assign(h, cpuPerRequest(cpu0, cpu1, h.requests));
      m.http[route.key] = h;
      say(
        `  ${route.label}: ${Math.round(h.rps)} req/s, p50 ${fmt(h.p50)} ms, p99 ${fmt(h.p99)} ms, layer CPU ${fmt(h.layerCpuUs)} us/req (user ${fmt(h.layerUserUs)}, kernel ${fmt(h.layerSysUs)})`,
      );
    }

    const ws = await wsRtt(`${u.replace('http:', 'ws:')}/terminal`, { count: plan.wsCount });
    m.wsP50 = ws.p50;
    m.wsP99 = ws.p99;
    m.wsSamples = ws.samples;
    const ups = [];
    for (let i = 0; i < plan.uploads; i++) {
      const r = await upload(`${u}/api/upload`, body);
      if (!r.ok) throw new Error(`upload ${i + 1} failed (status ${r.status})`);
      ups.push(r.ms);
    }
    m.uploadMs = median(ups);
    m.uploadSamples = ups;
    say(
      `  ws p50 ${fmt(m.wsP50)} ms p99 ${fmt(m.wsP99)} ms; ${plan.uploadMib} MiB upload ${fmt(m.uploadMs)} ms`,
    );
    m.rssLoadKb = rssOf(stack.layerPids());
    m.rssPeakKb = stack.layerPids().reduce((sum, pid) => sum + hwmKb(pid), 0);

    // The same backend without a front door: the floor both stacks sit on, and a check that the
    // machine was in the same state during both stacks' phases.
    const direct = `http://127.0.0.1:${stack.settings.ports.backend}`;
    m.direct = {
      api_small: await wrk(tracker, `${direct}/api/hello`, {
        seconds: plan.wrkSeconds,
        connections: 32,
      }),
      api_1mib: await wrk(tracker, `${direct}/api/big`, {
        seconds: plan.wrkSeconds,
        connections: 8,
      }),
      uploadMs: (await upload(`${direct}/api/upload`, body)).ms,
    };
    say(
      `  backend direct: small JSON ${Math.round(m.direct.api_small.rps)} req/s, 1 MiB ${Math.round(m.direct.api_1mib.rps)} req/s, upload ${fmt(m.direct.uploadMs)} ms`,
    );

    // The other front doors, against the same children, in the classic launch only.
    if (!isApposd && stack.settings.ports.peers !== undefined) {
      m.peers = await measurePeers(
        tracker,
        stack.settings,
        stack.settings.ports.peers,
        plan.wrkSeconds,
        say,
      );
    }

    m.load.crash = loadavg();
    await sleep(300);
    const crash = await crashWindow(`${u}/api/hello`, () => stack.backendPid());
    m.crashRecoveryMs = crash.recoveryMs;
    m.crashFailed = crash.failed;
    const killMs = crash.killEpoch - stack.launchAt;
    m.crashTimeline = stack
      .timeline()
      .filter((e) => e.ms >= killMs)
      .map((e) => ({ ms: e.ms - killMs, event: e.event }));
    m.crashSent = crash.sent;
    m.crashInWindow = crash.inWindow;
    say(
      `  crash: answering again after ${fmt(m.crashRecoveryMs)} ms, ${crash.failed}/${crash.sent} failed`,
    );
    // Let the new backend's start stick (start_seconds / startsecs) before stopping.
    await sleep(1200);

    const stop = await stack.terminate(20_000);
    m.sigtermMs = stop.ms;
    m.sigtermProcesses = stop.processes;
    m.sigtermForced = stop.forced;
    say(`  SIGTERM -> ${stop.processes} processes gone in ${fmt(stop.ms)} ms`);
  } finally {
    if (stack.running()) await stack.kill();
  }
  return m;
}

/** A number for progress lines. */
export function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  return v >= 100 ? String(Math.round(v)) : v.toFixed(v >= 10 ? 1 : 2);
}
