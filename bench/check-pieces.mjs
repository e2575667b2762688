#!/usr/bin/env node
// The bench's pieces, started and stopped once each without load: each stack launches, every
// front-door route answers, SIGTERM stops the whole tree, and no process is left behind.
// Prints one JSON object on stdout. `--only apposd` or `--only classic` runs just that stack;
// `--hold-ms N` waits N ms once a stack is up (to interrupt it there).
import { parseArgs } from 'node:util';
import { ApposdStack } from './lib/apposd-stack.mjs';
import { ClassicStack, CLASSIC_BINARIES } from './lib/classic-stack.mjs';
import { get, waitAll200 } from './lib/http-client.mjs';
import { ProcessTracker } from './lib/procs.mjs';
import { createSettings } from './lib/setup.mjs';
import { onPath } from './lib/tools.mjs';

const { values } = parseArgs({
  options: { only: { type: 'string' }, 'hold-ms': { type: 'string', default: '0' } },
});
const tracker = new ProcessTracker();
tracker.installExitHook();
const result = { dir: '', stacks: {}, leftovers: [], seen: [] };

/** @param {import('./lib/stack.mjs').Stack} stack */
async function check(stack) {
  stack.launch();
  const u = stack.url;
  await waitAll200([`${u}/api/hello`, `${u}/pb/api/health`, `${u}/`], { timeoutMs: 20_000 });
  await stack.rootPid();
  process.stderr.write(`up ${stack.constructor.name} ${settings.dir}\n`);
  await new Promise((r) => setTimeout(r, Number(values['hold-ms'])));
  const routes = {};
  for (const path of ['/api/hello', '/pb/api/health', '/', '/assets/app-3f2a1b.js']) {
    routes[path] = (await get(`${u}${path}`)).status;
  }
  const tree = stack.tree().map((s) => ({ pid: s.pid, comm: s.comm }));
  const layer = stack.layerPids().length;
  const stopped = await stack.terminate(15_000);
  return { routes, tree, layer, stopped };
}

const settings = await createSettings();
tracker.onExit(settings.cleanup);
result.dir = settings.dir;
try {
  const classicMissing = Object.keys(CLASSIC_BINARIES).filter((b) => !onPath(b));
  if (values.only === 'apposd') {
    result.stacks.classic = { skipped: 'not asked for (--only apposd)' };
  } else if (classicMissing.length > 0) {
    result.stacks.classic = { skipped: `${classicMissing.join(', ')} not installed` };
  } else {
    result.stacks.classic = await check(
      new ClassicStack(tracker, settings, { tag: 'classic', pid1: true }),
    );
  }
  if (values.only === 'classic') {
    result.stacks.apposd = { skipped: 'not asked for (--only classic)' };
  } else {
    result.stacks.apposd = await check(
      new ApposdStack(tracker, settings, { tag: 'apposd', pid1: true }),
    );
  }
} catch (err) {
  result.error = err instanceof Error ? err.message : String(err);
} finally {
  result.seen = [...tracker.seen.keys()];
  result.leftovers = await tracker.stopAll();
  settings.cleanup();
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exitCode = result.error || result.leftovers.length > 0 ? 1 : 0;
