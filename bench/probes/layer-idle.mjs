#!/usr/bin/env node
// apposd alone under the bench's config (bench/lib/apposd-stack.mjs): launch -> first spawn,
// layer RSS at start and settled (after 5 `appos-ctl status`, as the quick bench), idle CPU over
// 10 s, then RSS after a short load and the peak, read the way the bench reads them
// (bench/lib/procs.mjs). A quick probe between full bench runs.
// Usage: node bench/probes/layer-idle.mjs [launches] [--load] [--main other/dist/main.js]
import { ApposdStack } from '../lib/apposd-stack.mjs';
import { waitAll200 } from '../lib/http-client.mjs';
import { ProcessTracker, cpuNs, hwmKb, loadavg, rssKb } from '../lib/procs.mjs';
import { createSettings } from '../lib/setup.mjs';
import { PATHS } from '../lib/stack.mjs';
import { runTracked } from '../lib/run-tracked.mjs';
import { wrk } from '../lib/wrk.mjs';

const launches = Number(process.argv[2]?.match(/^\d+$/)?.[0] ?? 1);
const load = process.argv.includes('--load');
const mainAt = process.argv.indexOf('--main');
/** The bench's apposd, or another build of it (a before/after comparison). */
class Probed extends ApposdStack {
  command() {
    const main = mainAt > 0 ? process.argv[mainAt + 1] : PATHS.apposd;
    return [PATHS.node, [main, '--config', this.conf]];
  }
}
const IDLE_SETTLE_MS = 13_000; // as bench/lib/measure.mjs
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mb = (kb) => `${(kb / 1024).toFixed(1)} MB`;

const tracker = new ProcessTracker();
const settings = await createSettings();
tracker.onExit(settings.cleanup);
try {
  for (let i = 0; i < launches; i++) {
    const stack = new Probed(tracker, settings, { tag: `apposd-${i}` });
    const u = stack.url;
    stack.launch();
    const answeredAt = await waitAll200([`${u}/api/hello`, `${u}/pb/api/health`, `${u}/`], {
      timeoutMs: 30_000,
      intervalMs: 10,
    });
    let first = null;
    for (let j = 0; j < 100 && first === null; j++) {
      first = stack.firstSpawnAt();
      if (first === null) await sleep(20);
    }
    const pid = stack.child.pid;
    await sleep(1000);
    const rssStart = rssKb(pid);
    const [cmd, args] = stack.statusCommand();
    for (let j = 0; j < 5; j++) await runTracked(tracker, cmd, args, { timeoutMs: 10_000 });
    await sleep(Math.max(0, answeredAt + IDLE_SETTLE_MS - Date.now()));
    const rssIdle = rssKb(pid);
    const ns0 = cpuNs(pid);
    await sleep(10_000);
    const cpuIdle = (cpuNs(pid) - ns0) / 1e6;
    let after = '';
    if (load) {
      for (const path of ['/api/hello', '/', '/assets/app-3f2a1b.js', '/pb/api/health']) {
        await wrk(tracker, `${u}${path}`, { seconds: 3, connections: 32 });
      }
      after = `, after load ${mb(rssKb(pid))}, peak ${mb(hwmKb(pid))}`;
    }
    process.stdout.write(
      `launch ${i + 1}: first spawn ${first - stack.launchAt} ms, all answering ${answeredAt - stack.launchAt} ms; RSS ${mb(rssStart)} at start, ${mb(rssIdle)} settled${after}; idle CPU ${cpuIdle.toFixed(1)} ms / 10 s; 1-min load ${loadavg().one}\n`,
    );
    await stack.terminate();
  }
} finally {
  await tracker.stopAll();
  settings.cleanup();
}
