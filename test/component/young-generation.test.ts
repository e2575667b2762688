// apposd's young generation (young-generation.ts): scavenged on the main thread alone (set by the
// entry before anything else loads: V8's GC trace shows no helper-thread time in any scavenge of
// `apposd check`, where a plain node process shows some); and held at 2 x 2 MiB once the edge is
// busy (a look after a read stops V8 growing it, where the same allocations grow it past that).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAIN, NODE, ROOT } from '../helpers/daemon.js';

/** The helper threads' time in each scavenge the trace reports, in ms. */
function helperTimes(args: string[]): number[] {
  const r = spawnSync(NODE, ['--trace-gc', '--trace-gc-nvp', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .split('\n')
    .filter((l) => / gc=s /.test(l))
    .map((l) => Number(/ background\.scavenge\.parallel=([\d.]+)/.exec(l)?.[1] ?? NaN));
}

const ALLOCATE = `
const keep = [];
for (let i = 0; i < 1e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 20000) keep.splice(0, 10000); }
`;

/**
 * A process that grows its new space to 2 x 2 MiB, says it is busy (when `busy`), waits for the
 * look, then allocates what grows a new space fast; prints the new space's size in bytes.
 */
const GROW = (busy: boolean): string => `
const { getHeapSpaceStatistics } = await import('node:v8');
const yg = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'lib/young-generation.js')).href)});
const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
const keep = [];
const churn = (survivors, count) => {
  for (let i = 0; i < count; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > survivors) keep.splice(0, survivors / 2); }
};
for (let n = 0; newSpace() < yg.GROW_BELOW_BYTES; n++) {
  if (n > 5000) throw new Error('the new space did not grow');
  churn(4000, 1e4);
}
if (newSpace() > 4.5 * 1024 * 1024) throw new Error('the new space grew past 2 x 2 MiB at once');
if (${busy}) yg.youngGenerationBusy();
await new Promise((r) => setTimeout(r, yg.LOOK_AFTER_MS * 3));
for (let n = 0; n < 50; n++) churn(8000, 2e5);
process.stdout.write(String(newSpace()));
`;

function grown(busy: boolean): number {
  const r = spawnSync(NODE, ['--input-type=module', '-e', GROW(busy)], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  expect(r.status, r.stderr).toBe(0);
  return Number(r.stdout);
}

const MiB = 1024 * 1024;

describe("apposd's young generation", () => {
  it('is scavenged on the main thread alone', () => {
    // The trace shows helper time where helpers run: a plain node process's scavenges.
    const plain = helperTimes(['-e', ALLOCATE]);
    expect(plain.length).toBeGreaterThan(0);
    expect(plain.some((t) => t > 0)).toBe(true);

    const apposd = helperTimes([MAIN, 'check', '--config', join(ROOT, 'config/demo.yaml')]);
    expect(apposd.length).toBeGreaterThan(0);
    expect(apposd).toEqual(apposd.map(() => 0));
  });

  it('stops growing at 2 x 2 MiB once the edge is busy', () => {
    // The same allocations grow a new space left to V8 past it.
    expect(grown(false)).toBeGreaterThan(8 * MiB);
    expect(grown(true)).toBeLessThanOrEqual(4 * MiB + MiB / 4);
  });
});
