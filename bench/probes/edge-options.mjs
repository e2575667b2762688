#!/usr/bin/env node
// Probe: what would close the HTTP gaps? The same backend and dashboard behind nginx (as in the
// bench), apposd, and minimal Node front doors (edge-server.mjs: /api through http-proxy, a
// plain node:http pool, or undici when UNDICI=/path/to/undici is set; static files from memory),
// alternating rounds; req/s, p99 and the front door's CPU per request.
// Usage: [UNDICI=/abs/path/node_modules/undici/index.js] node bench/probes/edge-options.mjs [rounds] [seconds]
import { join } from 'node:path';
import { ApposdStack } from '../lib/apposd-stack.mjs';
import { ClassicStack } from '../lib/classic-stack.mjs';
import { waitAll200 } from '../lib/http-client.mjs';
import { CLK_TCK, cpuTicks, loadavg, ProcessTracker, treeOf } from '../lib/procs.mjs';
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
  await waitAll200([`${url}/api/hello`, `${url}/`]);
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
    const order = ['nginx', 'apposd', 'http-proxy', 'node-http'];
    if (process.env.UNDICI) order.push('undici');
    if (r % 2) order.reverse();
    for (const name of order) {
      const door = await start(name);
      const url = `http://127.0.0.1:${ports.http}`;
      await wrk(tracker, `${url}/api/hello`, { seconds: 1, connections: 32 });
      for (const [path, headers] of ROUTES) {
        const pids = door.pids();
        const c0 = pids.reduce((s, p) => s + cpuTicks(p), 0);
        const w = await wrk(tracker, `${url}${path}`, { seconds, connections: 32, headers });
        const c1 = pids.reduce((s, p) => s + cpuTicks(p), 0);
        const key = `${path}${headers.length ? ' (gzip)' : ''}`;
        const cpuUs = ((c1 - c0) * 1e6) / CLK_TCK / w.requests;
        (results[key] ??= {})[name] ??= [];
        results[key][name].push({ rps: w.rps, p99: w.p99, cpuUs });
        process.stderr.write(
          `${name} ${key}: ${Math.round(w.rps)} req/s p99 ${w.p99} ms, ${cpuUs.toFixed(0)} us CPU/req (load ${loadavg().one})\n`,
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
  '| route | front door | req/s | ratio | p99 ms | CPU us/req |\n|---|---|--:|--:|--:|--:|\n',
);
for (const [key, byName] of Object.entries(results)) {
  const base = median(byName.nginx.map((x) => x.rps));
  for (const [name, xs] of Object.entries(byName)) {
    const rps = median(xs.map((x) => x.rps));
    process.stdout.write(
      `| ${key} | ${name} | ${Math.round(rps)} | ${(rps / base).toFixed(2)}x | ${median(xs.map((x) => x.p99)).toFixed(2)} | ${median(xs.map((x) => x.cpuUs)).toFixed(0)} |\n`,
    );
  }
}
