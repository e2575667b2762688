// apposd's entry (dist/main.js, src/entry.ts) turns Node's compile cache on before the daemon's
// module graph is read: on Node 22 that is what lets the image reuse the code compiled at build.
// Node 20 has no enableCompileCache, so a preloaded stand-in takes its place at that seam.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN, NODE, ROOT } from '../helpers/daemon.js';

const SPY = join(ROOT, 'test/fixtures/entry/compile-cache-spy.mjs');

describe('the compile cache', () => {
  it('is turned on in dist/.compile-cache before any of the daemon runs', () => {
    const r = spawnSync(NODE, ['--import', SPY, MAIN, '--version'], { encoding: 'utf8' });
    expect(r.stderr).toBe(`enableCompileCache ${join(ROOT, 'dist/.compile-cache')}/\n`);
    // The stand-in exits at once: had main.ts been loaded first (a static import), it would
    // already have printed the version.
    expect(r.stdout).toBe('');
    expect(r.status).toBe(42);
  });

  it('leaves apposd running as before where Node has none', () => {
    const r = spawnSync(NODE, [MAIN, '--version'], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/^apposd \d+\.\d+\.\d+\n$/);
    expect(r.status).toBe(0);
  });
});
