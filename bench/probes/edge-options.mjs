#!/usr/bin/env node
// Probe: what would close the HTTP gaps? The same backend and dashboard behind nginx (as in the
// bench), apposd, and minimal Node front doors (edge-server.mjs: /api through http-proxy, a
// plain node:http pool, or undici when UNDICI=/path/to/undici is set; static files from memory),
// and the floors of any Node edge on the /api rows (`raw`: bytes relayed; `raw-llhttp`: relayed
// and parsed both ways with Node's binding; `raw-wasm`, with UNDICI: with undici's WebAssembly
// llhttp), alternating rounds; req/s, p99 and the front door's CPU per request, user and kernel.
// Usage: [UNDICI=/abs/path/node_modules/undici/index.js] [DOORS=nginx,apposd,...]
//   node bench/probes/edge-options.mjs [rounds] [seconds]
import { join } from 'node:path';
import { ApposdStack } from '../lib/apposd-stack.mjs';
import { ClassicStack } from '../lib/classic-stack.mjs';
import { waitAll200 } from '../lib/http-client.mjs';
import { cpuPerRequest, cpuSplit, loadavg, ProcessTracker, treeOf } from '../lib/procs.mjs';
import { createSettings } from '../lib/setup.mjs';
import { PATHS, ROOT } from '../lib/stack.mjs';
import { median } from '../lib/stats.mjs';
import { wrk } from '../lib/wrk.mjs';
import { mkdirSync, writeFileSync } from 'node:fs';

const rounds = Number(process.argv[2] ?? 2);
const seconds = Number(process.argv[3] ?? 3);
const ROUTES = [
  ['/api/hello', []],
  ['/api/big', []],
  ['/', []],
  ['/assets/app-3f2a1b.js', ['Accept-Encoding: gzip']],
];
/** Front doors that only relay to the backend: measured on the /api rows alone. */
const FLOORS = ['raw', 'raw-llhttp', ...(process.env.UNDICI ? ['raw-wasm'] : [])];
const tracker = new ProcessTracker();
tracker.installExitHook();
const settings = await createSettings();
tracker.onExit(settings.cleanup);
const { ports } = settings;
const env = { ...process.env, PORT: String(ports.backend) };
const results = {};

/** Starts a front door; returns the pids that make it up and a stop function. */
async function start(name) {
  if (name === 'apposd') {
    const s = new ApposdStack(tracker, settings, { tag: `apposd-${Date.now()}` }).launch();
    await waitAll200([`${s.url}/api/hello`, `${s.url}/`]);
    return { pids: () => s.layerPids(), stop: () => s.terminate() };
  }
  const backend = tracker.spawn(PATHS.node, [PATHS.backend], { env, stdio: 'ignore' });
  let front;
  if (name === 'nginx') {
    const classic = new ClassicStack(tracker, settings, { tag: `nginx-${Date.now()}` });
    const dir = join(classic.dir, 'nginx');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'nginx.conf'), classic.nginxConf(dir));
    front = tracker.spawn(
      'nginx',
      ['-p', `${dir}/`, '-c', `${dir}/nginx.conf`, '-e', `${dir}/error.log`, '-g', 'daemon off;'],
      { stdio: 'ignore' },
    );
  } else {
    const script = join(ROOT, 'bench/probes/edge-server.mjs');
    front = tracker.spawn(
      PATHS.node,
      [script, name, String(ports.http), String(ports.backend), settings.webDir],
      { stdio: 'ignore' },
    );
  }
  const url = `http://127.0.0.1:${ports.http}`;
  await waitAll200(FLOORS.includes(name) ? [`${url}/api/hello`] : [`${url}/api/hello`, `${url}/`]);
  return {
    pids: () => treeOf(front.child.pid).map((s) => s.pid),
    stop: async () => {
      for (const p of [front, backend]) {
        p.child.kill('SIGTERM');
        await p.exited;
      }
    },
  };
}

try {
  for (let r = 0; r < rounds; r++) {
    let order = ['nginx', 'apposd', 'http-proxy', 'node-http', ...FLOORS];
    if (process.env.UNDICI) order.push('undici');
    if (process.env.DOORS) order = order.filter((d) => process.env.DOORS.split(',').includes(d));
    if (r % 2) order.reverse();
    for (const name of order) {
      const door = await start(name);
      const url = `http://127.0.0.1:${ports.http}`;
      await wrk(tracker, `${url}/api/hello`, { seconds: 1, connections: 32 });
      for (const [path, headers] of ROUTES) {
        if (FLOORS.includes(name) && !path.startsWith('/api/')) continue;
        const pids = door.pids();
        const c0 = cpuSplit(pids);
        const w = await wrk(tracker, `${url}${path}`, { seconds, connections: 32, headers });
        const cpu = cpuPerRequest(c0, cpuSplit(pids), w.requests);
        const key = `${path}${headers.length ? ' (gzip)' : ''}`;
        (results[key] ??= {})[name] ??= [];
        results[key][name].push({ rps: w.rps, p99: w.p99, ...cpu });
        process.stderr.write(
          `${name} ${key}: ${Math.round(w.rps)} req/s p99 ${w.p99} ms, ${cpu.layerCpuUs.toFixed(1)} us CPU/req (load ${loadavg().one})\n`,
        );
      }
      await door.stop();
    }
  }
} finally {
  await tracker.stopAll();
  settings.cleanup();
}
process.stdout.write(
  `\nmedians of ${rounds} rounds, wrk -t1 -c32 ${seconds} s; ratio = x / nginx\n`,
);
process.stdout.write(
  '| route | front door | req/s | ratio | p99 ms | CPU us/req | user | kernel | CPU ratio |\n|---|---|--:|--:|--:|--:|--:|--:|--:|\n',
);
for (const [key, byName] of Object.entries(results)) {
  const base = median(byName.nginx.map((x) => x.rps));
  const baseCpu = median(byName.nginx.map((x) => x.layerCpuUs));
  for (const [name, xs] of Object.entries(byName)) {
    const rps = median(xs.map((x) => x.rps));
    const [cpu, user, sys] = ['layerCpuUs', 'layerUserUs', 'layerSysUs'].map((k) =>
      median(xs.map((x) => x[k])),
    );
    process.stdout.write(
      `| ${key} | ${name} | ${Math.round(rps)} | ${(rps / base).toFixed(2)}x | ${median(xs.map((x) => x.p99)).toFixed(2)} | ${cpu.toFixed(1)} | ${user.toFixed(1)} | ${sys.toFixed(1)} | ${(cpu / baseCpu).toFixed(2)}x |\n`,
    );
  }
}
