#!/usr/bin/env node
// `npm run bench [-- --quick]`: apposd against supervisord + nginx on this machine, one stack
// after the other on the same ports with the same children, launches alternating; prints one
// table of medians with the ratio apposd / classic and the goals, and writes
// bench/results/<timestamp>.json (+ .md). Every process it starts is stopped by pid.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ApposdStack } from './lib/apposd-stack.mjs';
import { ClassicStack } from './lib/classic-stack.mjs';
import { measureLaunch } from './lib/measure.mjs';
import { loadavg, ProcessTracker } from './lib/procs.mjs';
import { anomalies, buildRows, formatTable } from './lib/report.mjs';
import { createSettings } from './lib/setup.mjs';
import { PATHS, ROOT } from './lib/stack.mjs';
import { ensureTools } from './lib/tools.mjs';
import { uploadBody } from './lib/upload.mjs';
import { countZombies } from './lib/zombies.mjs';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const quick = values.quick;
/** @type {import('./lib/measure.mjs').Plan & {launches: number}} */
const plan = quick
  ? {
      launches: 1,
      wrkSeconds: 2,
      wsCount: 300,
      uploads: 1,
      uploadMib: 64,
      ctlRuns: 5,
      idleCpuSeconds: 10,
    }
  : {
      launches: 3,
      wrkSeconds: 4,
      wsCount: 1000,
      uploads: 2,
      uploadMib: 64,
      ctlRuns: 10,
      idleCpuSeconds: 10,
    };

/** The whole run must fit: 10 minutes (full) or 3 (quick), with a margin for the report. */
const BUDGET_MS = quick ? 165_000 : 570_000;
/** What the PID 1 / zombie phase at the end takes at most, roughly. */
const ZOMBIE_PHASE_MS = 30_000;

const say = (line) => process.stderr.write(`${line}\n`);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;

if (!existsSync(PATHS.apposd) || !existsSync(PATHS.ctl)) {
  say('bench: dist/ is missing: run `npm run build` first');
  process.exit(2);
}
const newestSource = Math.max(
  ...readdirSync(join(ROOT, 'src'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => statSync(join(e.parentPath, e.name)).mtimeMs),
);
if (newestSource > statSync(PATHS.apposd).mtimeMs) {
  say('bench: note: src/ has changed since dist/ was built; `npm run build` to measure it');
}
if (ensureTools(say).length > 0) process.exit(2);

const tracker = new ProcessTracker();
tracker.installExitHook();
const settings = await createSettings();
tracker.onExit(settings.cleanup);
const launches = { classic: [], apposd: [] };
const zombies = { classic: null, apposd: null };
let failure = null;
try {
  say(
    `bench: ${quick ? 'quick' : 'full'} run, ${plan.launches} launch(es) per stack, ports ${JSON.stringify(settings.ports)}`,
  );
  const body = uploadBody(plan.uploadMib);
  const stacks = { classic: ClassicStack, apposd: ApposdStack };
  let longestRound = 0;
  for (let i = 0; i < plan.launches; i++) {
    const roundStart = Date.now();
    if (roundStart - started + longestRound + ZOMBIE_PHASE_MS > BUDGET_MS) {
      say(`bench: time budget: stopping after ${i} launch(es) per stack`);
      break;
    }
    const order = i % 2 === 0 ? ['classic', 'apposd'] : ['apposd', 'classic'];
    for (const name of order) {
      say(`[${elapsed()}] ${name} #${i + 1} (load ${loadavg().one})`);
      // As the image runs it: PID 1 of a PID namespace of its own.
      const stack = new stacks[name](tracker, settings, { tag: `${name}-${i + 1}`, pid1: true });
      launches[name].push(await measureLaunch(stack, tracker, plan, body, say));
    }
    longestRound = Math.max(longestRound, Date.now() - roundStart);
  }
  for (const name of ['classic', 'apposd']) {
    say(`[${elapsed()}] ${name} as PID 1 with 200 orphans`);
    const stack = new stacks[name](tracker, settings, {
      tag: `${name}-pid1`,
      pid1: true,
      programs: 'orphans',
    });
    zombies[name] = await countZombies(stack);
    say(
      `  zombies left: ${zombies[name].zombies} (peak ${zombies[name].peakZombies}; orphans seen on PID 1: ${zombies[name].orphansSeen})`,
    );
  }
} catch (err) {
  failure = err instanceof Error ? (err.stack ?? err.message) : String(err);
  say(`bench: failed: ${failure}`);
} finally {
  const left = await tracker.stopAll();
  if (left.length > 0) say(`bench: could not stop ${left.join(', ')}`);
  settings.cleanup();
}

const rows = buildRows(launches, zombies);
const table = formatTable(rows);
const loads = [...launches.classic, ...launches.apposd].flatMap((m) =>
  Object.values(m.load).map((l) => l.one),
);
if (loads.length === 0) loads.push(loadavg().one);
const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
const machine = {
  commit: git.status === 0 ? git.stdout.trim() : null,
  distBuiltAt: new Date(statSync(PATHS.apposd).mtimeMs).toISOString(),
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? '',
  memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  node: process.version,
  loadavg1: { min: Math.min(...loads), max: Math.max(...loads), end: loadavg().one },
};
const summary = `${quick ? 'quick' : 'full'} run, ${new Date(started).toISOString()}, ${elapsed()}; ${machine.nproc} cores, ${machine.memoryGiB} GiB; 1-min load during the phases ${machine.loadavg1.min}-${machine.loadavg1.max}; medians of ${launches.apposd.length} launch(es) per stack, wrk ${plan.wrkSeconds} s per route`;
process.stdout.write(`\n${summary}\n\n${table}\n`);
const met = rows.filter((r) => r.met === true).length;
const goals = rows.filter((r) => r.met !== null).length;
process.stdout.write(`\ngoals met: ${met}/${goals}\n`);
const notes = anomalies(launches);
for (const n of notes) process.stdout.write(`note: ${n}\n`);

const resultsDir = join(ROOT, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
const stamp = new Date(started).toISOString().replace(/[:.]/g, '-');
const result = {
  notes,
  when: new Date(started).toISOString(),
  quick,
  plan,
  machine,
  ports: settings.ports,
  rows,
  launches,
  zombies,
  failure,
};
writeFileSync(join(resultsDir, `${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(
  join(resultsDir, `${stamp}.md`),
  `${summary}\n\n${table}\n${notes.map((n) => `\nnote: ${n}`).join('')}\n`,
);
say(`bench: results in bench/results/${stamp}.json`);
process.exitCode = failure ? 1 : 0;
