// Four test tiers as vitest projects: unit (pure, no process or socket), component (a fake
// supervisor at a seam, real sockets), daemon (the real apposd and real children) and
// container (apposd as PID 1 under unshare with the production config). `npm test` runs all.
import { defineConfig } from 'vitest/config';

const tier = (name: string, timeoutMs: number) => ({
  extends: true as const,
  test: {
    name,
    include: [`test/${name}/**/*.test.ts`],
    testTimeout: timeoutMs,
    hookTimeout: timeoutMs,
  },
});

export default defineConfig({
  test: {
    pool: 'forks',
    // Daemon and container tests run real daemons and children; two cores, so keep
    // parallelism modest.
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      tier('unit', 30_000),
      tier('component', 30_000),
      tier('daemon', 30_000),
      tier('container', 30_000),
    ],
  },
});
