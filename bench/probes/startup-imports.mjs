#!/usr/bin/env node
// Where apposd's start time and memory go: a bare `node -e 0`, then each module that main.js
// imports before `supervisor.boot()` (in main's order, so shared dependencies count where first
// loaded), loadConfig() of config/demo.yaml, then what main loads after the first spawn (the
// control socket and the HTTP edge): time and RSS growth of each, medians over fresh processes.
// Usage: node bench/probes/startup-imports.mjs [runs]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../lib/stack.mjs';
import { loadavg } from '../lib/procs.mjs';
import { median } from '../lib/stats.mjs';
import { performance } from 'node:perf_hooks';

const runs = Number(process.argv[2] ?? 5);
// tsc's module tree (npm run build): dist/ holds the bundles made from it.
const dist = join(ROOT, 'lib');
const MODULES = [
  'config/config-error.js',
  'config/load.js',
  'config/plan.js',
  'config/schema.js',
  'control/socket-file.js',
  'errors.js',
  'http/listen-check.js',
  'log/logger.js',
  'log/output-relay.js',
  'supervisor/reaper.js',
  'supervisor/supervisor.js',
];
/** Loaded by main after `supervisor.boot()`, while the children start. */
const AFTER_BOOT = ['control/server.js', 'http/server.js'];

// Runs in a fresh node: times each import, then loadConfig, as JSON on stdout.
const child = `
const times = {};
const rss = {};
const rss0 = process.memoryUsage().rss;
let last = rss0;
const t0 = performance.now();
const step = async (name, fn) => {
  const t = performance.now();
  await fn();
  times[name] = performance.now() - t;
  const now = process.memoryUsage().rss;
  rss[name] = (now - last) / 1048576;
  last = now;
};
for (const m of ${JSON.stringify(MODULES)}) await step(m, () => import(${JSON.stringify(`${dist}/`)} + m));
const { loadConfig } = await import(${JSON.stringify(`${dist}/config/load.js`)});
await step('loadConfig(demo.yaml)', () => loadConfig(${JSON.stringify(join(ROOT, 'config/demo.yaml'))}, process.env));
times['= before the first spawn'] = performance.now() - t0;
rss['= before the first spawn'] = (last - rss0) / 1048576;
const t1 = performance.now();
const r1 = last;
for (const m of ${JSON.stringify(AFTER_BOOT)}) await step('after boot: ' + m, () => import(${JSON.stringify(`${dist}/`)} + m));
times['= after boot'] = performance.now() - t1;
rss['= after boot'] = (last - r1) / 1048576;
times['node uptime at the end'] = process.uptime() * 1000;
rss['rss of bare node'] = rss0 / 1048576;
rss['rss at the end'] = last / 1048576;
console.log(JSON.stringify({ times, rss }));
`;

const wall = (args) => {
  const t = performance.now();
  spawnSync(process.execPath, args, { stdio: 'ignore' });
  return performance.now() - t;
};
const bare = [];
const samples = [];
for (let i = 0; i < runs; i++) {
  bare.push(wall(['-e', '0']));
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  samples.push(JSON.parse(r.stdout));
}
const keys = [...new Set([...Object.keys(samples[0].times), ...Object.keys(samples[0].rss)])];
const rows = [['node -e 0 (wall, spawn to exit)', median(bare), null]];
for (const key of keys) {
  rows.push([
    key,
    median(samples.map((s) => s.times[key])),
    median(samples.map((s) => s.rss[key])),
  ]);
}
const width = Math.max(...rows.map(([k]) => k.length));
const cell = (v, unit) => (v === null || v === undefined ? '' : `${v.toFixed(1)} ${unit}`);
process.stdout.write(`medians of ${runs} fresh processes; 1-min load ${loadavg().one}\n`);
process.stdout.write(
  `${'step'.padEnd(width)}  ${'time'.padStart(10)}  ${'RSS growth'.padStart(10)}\n`,
);
for (const [k, t, r] of rows) {
  process.stdout.write(
    `${k.padEnd(width)}  ${cell(t, 'ms').padStart(10)}  ${cell(r, 'MB').padStart(10)}\n`,
  );
}
