#!/usr/bin/env node
// `npm run soak [-- --minutes N | --seconds N] [--json]`: the chaos soak (bench/soak/harness.mjs),
// 10 minutes by default. Prints the figures and one line per verdict; exit 0 when all hold.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PATHS } from '../lib/stack.mjs';
import { runSoak } from './harness.mjs';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string' },
    seconds: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const seconds = values.seconds ? Number(values.seconds) : Number(values.minutes ?? 10) * 60;
const say = (line) => process.stderr.write(`${line}\n`);
if (!(seconds > 0)) {
  say('soak: --minutes and --seconds take a number above 0');
  process.exit(2);
}
if (!existsSync(PATHS.apposd)) {
  say('soak: dist/ is missing: run `npm run build` first');
  process.exit(2);
}

/** The verdicts the issue asks for, each [name, held]. */
function verdicts(r) {
  const long = r.seconds >= 300;
  return [
    ['apposd never died', r.aliveAtEnd],
    ['0 zombies (sampled every second and at the end)', r.maxZombies === 0 && r.zombiesAtEnd === 0],
    ['fds bounded (end <= the warm-up max + 20)', r.fds.end <= r.fds.warmMax + 20],
    ['RSS bounded (max < 400 MiB)', r.rss.maxKb < 400 * 1024],
    // A trend needs minutes: over a long run, less than 1 MiB a minute after warm-up.
    ['no RSS growth trend after warm-up', !long || r.rss.slopeKbPerMin < 1024],
    [
      'every request 200, a state-naming 502/503/504 or cut by a dying upstream; none hung',
      Object.keys(r.failures).length === 0,
    ],
    ['every flooder line in apposd log', r.flood.missingFromLog === 0],
    ['every flooder line in the files or dropped while the disk was full', r.flood.lost === 0],
    ['SIGTERM -> exit 0', r.exitAfterTerm?.code === 0],
    ['nothing left after exit', r.leftAfterExit === 0],
  ];
}

const r = await runSoak({ seconds, say });
const checks = verdicts(r);
if (values.json) {
  process.stdout.write(
    `${JSON.stringify({ ...r, verdicts: Object.fromEntries(checks) }, null, 2)}\n`,
  );
} else {
  const mib = (kb) => (kb / 1024).toFixed(1);
  say(
    [
      `soak ${seconds}s on ${r.cores} cores, load ${r.loadStart.toFixed(1)} -> ${r.loadEnd.toFixed(1)}`,
      `requests ${r.requests}: ${JSON.stringify(r.outcomes)}`,
      `failures ${JSON.stringify(r.failures)} ${JSON.stringify(r.failureExamples)}`,
      `slowest answer ${r.latency.maxMs} ms; ${r.latency.slowerThan15s} took over 15 s`,
      `kills ${r.kills}, SIGSTOPs ${r.stops}, reloads ${r.reloads} (${r.reloadFailures} failed), ` +
        `appos-ctl runs ${r.ctlRuns} (${r.ctlFailures} failed), log disk filled: ${r.diskFilled}`,
      `RSS ${mib(r.rss.startKb)} -> ${mib(r.rss.endKb)} MiB (max ${mib(r.rss.maxKb)}), ` +
        `slope after warm-up ${mib(r.rss.slopeKbPerMin)} MiB/min`,
      `fds ${r.fds.start} -> ${r.fds.end} (warm-up max ${r.fds.warmMax}, max ${r.fds.max}), ` +
        `slope after warm-up ${r.fds.slopePerMin.toFixed(2)}/min`,
      `zombies: max ${r.maxZombies}, at end ${r.zombiesAtEnd}`,
      `flooder: ${JSON.stringify(r.flood)}`,
      `SIGTERM: ${JSON.stringify(r.exitAfterTerm)} in ${r.stopMs} ms, left ${r.leftAfterExit}`,
      ...checks.map(([name, ok]) => `${ok ? 'PASS' : 'FAIL'}  ${name}`),
    ].join('\n'),
  );
}
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);
