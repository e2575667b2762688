// The chaos soak: apposd runs the demo stack's programs (redis-server, PocketBase, the example
// backend) plus a stdout flooder, under steady load through its edge, while programs are
// killed -9, the backend is SIGSTOPped, the config is reloaded with a change, appos-ctl runs
// in a loop and the log dir's disk (a small tmpfs, when root) fills once. Returns the figures
// and the verdicts; every process it starts is stopped by pid.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { allStats, readStat, rssKb, treeOf } from '../lib/procs.mjs';
import { PATHS, ROOT } from '../lib/stack.mjs';
import { floodAccount, slopePerMinute } from './checks.mjs';
import { Tally, startLoad } from './load.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const NODE = process.execPath;
const POCKETBASE = join(ROOT, 'node_modules/.bin/pocketbase');
const FLOODER = join(ROOT, 'test/fixtures/programs/soak-flooder.mjs');
const BACKEND = join(ROOT, 'test/fixtures/example-backend.mjs');
const DASHBOARD = join(ROOT, 'test/fixtures/dashboard');
const VICTIMS = ['redis', 'pocketbase', 'backend', 'flooder'];

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

function config(dir, ports, id, round) {
  const env = `\n    env: { SOAK_ID: "${id}" }`;
  return `shutdown_timeout: 8s
log: { dir: ${dir}/logs, max_bytes: 0, format: json }
control: { socket: ${dir}/ctl.sock }
http:
  listen: 127.0.0.1:${ports.http}
  routes:
    - { path: /terminal, upstream: "http://127.0.0.1:${ports.backend}", program: backend, websocket: true }
    - { path: /api, upstream: "http://127.0.0.1:${ports.backend}", program: backend, hold: 5s }
    - { path: /pb, upstream: "http://127.0.0.1:${ports.pocketbase}", program: pocketbase, strip_prefix: true }
    - { path: /, static: ${DASHBOARD}, spa: true }
programs:
  redis:
    command: [redis-server, --port, "${ports.redis}", --bind, 127.0.0.1, --save, "", --appendonly, "no"]
    stop_timeout: 3s
    start_retries: 1000
    ready: { redis: "redis://127.0.0.1:${ports.redis}" }${env}
  pocketbase:
    command: [${POCKETBASE}, serve, --http, "127.0.0.1:${ports.pocketbase}", --dir, ${dir}/pb]
    stop_timeout: 2s
    start_retries: 1000
    ready: { pocketbase: "http://127.0.0.1:${ports.pocketbase}" }${env}
  backend:
    command: [${NODE}, ${BACKEND}]
    stop_timeout: 2s
    start_retries: 1000
    backoff: { initial: 100ms, max: 1s }
    env: { PORT: "${ports.backend}", SOAK_ID: "${id}", ROUND: "${round}" }
    ready: { http: "http://127.0.0.1:${ports.backend}/healthz", interval: 200ms }
  flooder:
    command: [${NODE}, ${FLOODER}, ${dir}/flood-count, "200"]
    start_retries: 1000
    backoff: { initial: 100ms, max: 1s }${env}
`;
}

/** Mounts a small tmpfs on `dir` (root only); false when that is not possible here. */
function mountTmpfs(dir, mib) {
  if (process.getuid?.() !== 0) return false;
  return (
    spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${mib}m,mode=0755`, 'tmpfs', dir]).status === 0
  );
}

/** Pids of live processes carrying SOAK_ID=id: what the soak's apposd started. */
function marked(id) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (!readFileSync(`/proc/${d}/environ`, 'latin1').split('\0').includes(`SOAK_ID=${id}`))
        continue;
      if (readStat(Number(d))?.state !== 'Z') out.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

function fdCount(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** Zombies among apposd's descendants right now, by pid. */
function zombiesUnder(pid) {
  return treeOf(pid, allStats())
    .filter((s) => s.pid !== pid && s.state === 'Z')
    .map((s) => s.pid);
}

function ctl(dir, args) {
  return new Promise((resolve) => {
    const child = spawn(NODE, [PATHS.ctl, '--socket', `${dir}/ctl.sock`, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, err });
    });
  });
}

/** The programs' status from the control API (async: the load must not stall on it). */
function status(dir) {
  return new Promise((resolve) => {
    const req = request(
      { socketPath: `${dir}/ctl.sock`, path: '/v1/status', agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d) => (text += d));
        res.on('end', () => {
          try {
            resolve(JSON.parse(text).programs ?? []);
          } catch {
            resolve([]);
          }
        });
        res.on('error', () => resolve([]));
      },
    );
    req.setTimeout(10_000, () => req.destroy());
    req.on('error', () => resolve([]));
    req.end();
  });
}

/**
 * Runs the soak for `seconds`. `say` gets progress lines.
 * @param {{seconds: number, say: (line: string) => void, tmpfsMib?: number}} o
 */
export async function runSoak({ seconds, say, tmpfsMib = 24 }) {
  const dir = mkdtempSync(join(tmpdir(), 'apposd-soak-'));
  const id = `soak-${process.pid}-${Date.now()}`;
  mkdirSync(join(dir, 'logs'));
  mkdirSync(join(dir, 'pb'));
  const tmpfs = mountTmpfs(join(dir, 'logs'), tmpfsMib);
  const ports = {
    http: await freePort(),
    redis: await freePort(),
    pocketbase: await freePort(),
    backend: await freePort(),
  };
  const configPath = join(dir, 'soak.yaml');
  writeFileSync(configPath, config(dir, ports, id, 0));
  const out = join(dir, 'apposd.log');
  const daemon = spawn(NODE, [PATHS.apposd, '--config', configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' },
  });
  const chunks = [];
  daemon.stdout.on('data', (c) => chunks.push(c));
  daemon.stderr.on('data', (c) => chunks.push(c));
  let exit = null;
  const exited = new Promise((r) =>
    daemon.once('exit', (code, signal) => r((exit = { code, signal }))),
  );
  const pid = /** @type {number} */ (daemon.pid);
  const base = `http://127.0.0.1:${ports.http}`;
  const result = {
    seconds,
    cores: cpus().length,
    loadStart: loadavg()[0],
    tmpfs,
    kills: 0,
    stops: 0,
    reloads: 0,
    reloadFailures: 0,
    ctlRuns: 0,
    ctlFailures: 0,
    diskFilled: false,
    samples: [],
  };
  const tally = new Tally();
  const timers = [];
  let load;
  try {
    const up = Date.now() + 60_000;
    while (Date.now() < up) {
      const s = await status(dir);
      if (s.length === 4 && s.every((p) => p.state === 'RUNNING' && p.ready)) break;
      if (exit)
        throw new Error(`apposd exited at start: ${Buffer.concat(chunks).toString().slice(-2000)}`);
      await sleep(250);
    }
    say(`soak: stack up (${dir}); ${seconds}s of load and chaos`);
    const started = Date.now();
    // A zombie counts when it is still one a second later (between exit and reap is normal).
    let lastZombies = [];
    const lingering = () => {
      const now = zombiesUnder(pid);
      const kept = now.filter((z) => lastZombies.includes(z));
      lastZombies = now;
      return kept.length;
    };
    const sample = () =>
      result.samples.push({
        t: (Date.now() - started) / 1000,
        rssKb: rssKb(pid),
        fds: fdCount(pid),
        zombies: lingering(),
      });
    sample();
    load = startLoad(base, tally, started);
    timers.push(setInterval(sample, 1000));
    // kill -9 a random program every few seconds.
    timers.push(
      setInterval(async () => {
        const name = VICTIMS[Math.floor(Math.random() * VICTIMS.length)];
        const p = (await status(dir)).find((x) => x.name === name);
        if (p?.pid) {
          try {
            process.kill(p.pid, 'SIGKILL');
            result.kills++;
          } catch {
            // it had just died
          }
        }
      }, 3000),
    );
    // SIGSTOP the backend for 2 s every 10 s.
    timers.push(
      setInterval(async () => {
        const p = (await status(dir)).find((x) => x.name === 'backend');
        if (!p?.pid) return;
        try {
          process.kill(p.pid, 'SIGSTOP');
          result.stops++;
          await sleep(2000);
          process.kill(p.pid, 'SIGCONT');
        } catch {
          // killed meanwhile
        }
      }, 10_000),
    );
    // appos-ctl in a loop.
    let ctlLoop = true;
    const ctlLoopDone = (async () => {
      const verbs = [
        ['status'],
        ['tail', '-n', '5', 'flooder'],
        ['health'],
        ['journal', '-n', '5'],
        ['pid', 'redis'],
      ];
      for (let i = 0; ctlLoop; i++) {
        const r = await ctl(dir, verbs[i % verbs.length]);
        result.ctlRuns++;
        // status 3 (not all RUNNING), health 1 and pid 1 (no process) are answers mid-chaos.
        if (![0, 1, 3].includes(r.code ?? -1)) {
          result.ctlFailures++;
          tally.add('ctl:exit-' + r.code, r.err.slice(0, 120));
        }
        await sleep(200);
      }
    })();
    // Reload with a change every minute (every third of a short run).
    const reloadEvery = Math.min(60_000, Math.max(5_000, (seconds * 1000) / 3));
    timers.push(
      setInterval(async () => {
        writeFileSync(configPath, config(dir, ports, id, ++result.reloads));
        const r = await ctl(dir, ['reload']);
        if (r.code !== 0) result.reloadFailures++;
      }, reloadEvery),
    );
    // Fill the log dir's disk once, at 40% of the run, for 3 s.
    const fillAt = started + seconds * 400;
    let fillStartedAt = null;
    const endAt = started + seconds * 1000;
    while (Date.now() < endAt && !exit) {
      if (fillStartedAt === null && Date.now() >= fillAt && tmpfs) {
        fillStartedAt = Date.now();
        spawnSync('dd', ['if=/dev/zero', `of=${dir}/logs/fill.bin`, 'bs=1M'], { stdio: 'ignore' });
        result.diskFilled = true;
        result.fillAtS = Math.round((fillStartedAt - started) / 1000);
        say(`soak: log disk filled at ${result.fillAtS}s`);
        setTimeout(() => rmSync(`${dir}/logs/fill.bin`, { force: true }), 3000);
      }
      await sleep(500);
    }
    for (const t of timers) clearInterval(t);
    ctlLoop = false;
    await ctlLoopDone;
    await load.stop();
    // Let restarts settle, then SIGCONT the backend in case a stop was cut short.
    const backend = (await status(dir)).find((x) => x.name === 'backend');
    if (backend?.pid) process.kill(backend.pid, 'SIGCONT');
    // The end figures are taken idle: pooled upstream connections close after 4 s.
    await sleep(10_000);
    sample();
    result.aliveAtEnd = exit === null;
    await sleep(1000);
    result.zombiesAtEnd = lingering();
    result.loadEnd = loadavg()[0];
    result.requests = tally.total;
    result.outcomes = Object.fromEntries(tally.counts);
    result.failures = tally.failures();
    result.failureExamples = Object.fromEntries(tally.examples);
    result.latency = { maxMs: tally.maxMs, slowerThan15s: tally.slow };
    result.fillStartedAt = fillStartedAt;
    // SIGTERM: exit 0 with nothing of ours left.
    daemon.kill('SIGTERM');
    const stop = Date.now();
    await Promise.race([exited, sleep(20_000)]);
    result.exitAfterTerm = exit;
    result.stopMs = Date.now() - stop;
    await sleep(300);
    result.leftAfterExit = marked(id).length;
    writeFileSync(out, Buffer.concat(chunks));
    result.flood = floodAccount({
      apposdLog: out,
      logDir: join(dir, 'logs'),
      countFile: join(dir, 'flood-count'),
      fillStartedAt,
    });
    const warm = result.samples.filter((s) => s.t >= seconds * 0.2);
    result.rss = {
      startKb: result.samples[0]?.rssKb,
      endKb: result.samples.at(-1)?.rssKb,
      maxKb: Math.max(...result.samples.map((s) => s.rssKb)),
      slopeKbPerMin: slopePerMinute(warm.map((s) => [s.t, s.rssKb])),
    };
    const early = result.samples.filter((s) => s.t < seconds * 0.2);
    result.fds = {
      start: result.samples[0]?.fds,
      warmMax: Math.max(...early.map((s) => s.fds)),
      end: result.samples.at(-1)?.fds,
      max: Math.max(...result.samples.map((s) => s.fds)),
      slopePerMin: slopePerMinute(warm.map((s) => [s.t, s.fds])),
    };
    result.maxZombies = Math.max(...result.samples.map((s) => s.zombies));
    delete result.samples;
    return result;
  } finally {
    for (const t of timers) clearInterval(t);
    await load?.stop();
    if (!exit) {
      daemon.kill('SIGKILL');
      await Promise.race([exited, sleep(5000)]);
    }
    for (const p of marked(id)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
    if (tmpfs) spawnSync('umount', ['-l', join(dir, 'logs')]);
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}
