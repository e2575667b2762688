// apposd scavenges its young generation on its main thread alone (young-generation.ts, set by the
// entry before anything else loads): V8's GC trace shows no helper-thread time in any scavenge of
// `apposd check`, where a plain node process shows some.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
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
});
