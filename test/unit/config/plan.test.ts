// The start plan: order (supervisor/order.ts), the shutdown critical path, warnings, and
// `apposd check`'s text,
// which must show no env values, argv beyond the executable, or URL credentials.
import { resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { checkWarnings, formatPlan } from '../../../src/config/plan.js';
import type { AppConfig, ProgramConfig } from '../../../src/config/types.js';
import {
  shutdownCriticalPath,
  startOrder,
  startPlan,
  stopBlockers,
} from '../../../src/supervisor/order.js';
import { tempConfigs } from '../../helpers/config-file.js';
import { programConfig } from '../../helpers/program-config.js';

const configs = tempConfigs('apposd-plan-');
afterEach(() => configs.cleanup());

function load(text: string, env: Record<string, string> = {}): AppConfig {
  const file = configs.write(text);
  return loadConfig(file, env);
}

function program(
  name: string,
  over: Partial<Omit<ProgramConfig, 'dependsOn'>> & { deps?: string[] } = {},
): ProgramConfig {
  const { deps = [], ...rest } = over;
  return programConfig(name, {
    dependsOn: deps.map((d) => ({ name: d, condition: 'ready' as const })),
    ...rest,
  });
}

const names = (ps: readonly ProgramConfig[]): string[] => ps.map((p) => p.name);

describe('startOrder', () => {
  test('dependencies first, then priority, then file order', () => {
    const programs = [
      program('backend', { priority: 1, deps: ['redis', 'pocketbase'] }),
      program('pocketbase', { priority: 20 }),
      program('redis', { priority: 10 }),
      program('worker', { priority: 30 }),
      program('cron', { priority: 30 }),
    ];
    expect(names(startOrder(programs))).toEqual([
      'redis',
      'pocketbase',
      'backend',
      'worker',
      'cron',
    ]);
  });

  test('a low-priority dependent starts as soon as its dependencies allow', () => {
    const programs = [program('a', { priority: 50 }), program('b', { priority: 1, deps: ['a'] })];
    expect(names(startOrder(programs))).toEqual(['a', 'b']);
  });

  test('the CONTRACT example starts redis, pocketbase, backend', () => {
    const config = loadConfig(resolve('test/fixtures/config/contract-example.yaml'), {});
    expect(names(startOrder(config.programs))).toEqual(['redis', 'pocketbase', 'backend']);
  });
});

describe('stopBlockers', () => {
  test('reverse start order: dependents and higher priorities stop first', () => {
    const blockers = stopBlockers([
      program('redis', { priority: 10 }),
      program('pocketbase', { priority: 20 }),
      program('backend', { priority: 30, deps: ['redis', 'pocketbase'] }),
    ]);
    expect(Object.fromEntries(blockers)).toEqual({
      redis: ['pocketbase', 'backend'],
      pocketbase: ['backend'],
      backend: [],
    });
  });

  test('equal priorities with no dependency between them stop together', () => {
    const blockers = stopBlockers([program('a'), program('b'), program('c', { deps: ['a'] })]);
    expect(Object.fromEntries(blockers)).toEqual({ a: ['c'], b: [], c: [] });
  });
});

describe('shutdownCriticalPath', () => {
  test('the longest chain of stop timeouts; unrelated programs stop in parallel', () => {
    const programs = [
      program('redis', { stopTimeoutMs: 3000 }),
      program('pocketbase', { stopTimeoutMs: 1000 }),
      program('backend', { stopTimeoutMs: 2000, deps: ['redis', 'pocketbase'] }),
      program('proxy', { stopTimeoutMs: 500, deps: ['backend'] }),
      program('lonely', { stopTimeoutMs: 4000 }),
    ];
    expect(shutdownCriticalPath(programs).ms).toBe(5500);
    expect(shutdownCriticalPath(programs).chain).toEqual(['proxy', 'backend', 'redis']);
    expect(shutdownCriticalPath([]).ms).toBe(0);
  });

  test("a completed oneshot has exited and adds nothing to its dependents' chain", () => {
    const programs = [
      program('init', { kind: 'oneshot', stopTimeoutMs: 4000 }),
      program('redis', { stopTimeoutMs: 3000 }),
    ];
    const app = program('app', { stopTimeoutMs: 2000, deps: ['redis'] });
    const withInit = {
      ...app,
      dependsOn: [...app.dependsOn, { name: 'init', condition: 'completed' as const }],
    };
    expect(shutdownCriticalPath([...programs, withInit])).toEqual({
      ms: 5000,
      chain: ['app', 'redis'],
    });
  });
});

describe('checkWarnings', () => {
  test('a slow shutdown chain and a critical program that never restarts', () => {
    const config = load(`
shutdown_timeout: 6s
programs:
  db: { command: [db], stop_timeout: 4s, critical: true, restart: never }
  app: { command: [app], stop_timeout: 3s, depends_on: [db] }
`);
    expect(checkWarnings(config, startPlan(config.programs))).toEqual([
      'stopping may take 7s (app 3s -> db 4s) but shutdown_timeout is 6s: lower stop_timeout or raise shutdown_timeout',
      'db: critical with restart: never, so its first exit stops apposd',
    ]);
  });

  test('other non-fatal findings', () => {
    const config = load(`
shutdown_timeout: 12s
programs:
  job: { command: [job], kind: oneshot, restart: always, live: { tcp: "127.0.0.1:1" } }
  manual: { command: [manual], autostart: false }
  app:
    command: [app, "\${MISSING}"]
    depends_on: [manual]
    ready: { tcp: "127.0.0.1:2", interval: 1s, timeout: 2s }
`);
    expect(checkWarnings(config, startPlan(config.programs))).toEqual([
      `\${MISSING} is not set; using an empty string (used at ${config.file}:7:20 programs.app.command[1])`,
      "shutdown_timeout 12s exceeds docker stop's default 10s grace: raise it with `docker stop -t` or stop_grace_period",
      'job: a oneshot with restart: always runs again after every exit',
      'job: a live probe on a oneshot is never checked once it completes',
      "app: a tcp probe's timeout is longer than its interval",
      'app: depends on manual, which has autostart: false; app waits until manual is started by hand',
    ]);
  });

  test('no programs', () => {
    const empty = load('http: {}\n');
    expect(checkWarnings(empty, startPlan(empty.programs))).toEqual(['no programs are defined']);
  });

  test('routes and no programs is the edge alone: no warning, the probe in the plan', () => {
    const config = load(
      'http:\n  routes:\n    - { path: /api, upstream: "http://b:8080", probe: { tcp: "b:8080" } }\n',
    );
    const plan = startPlan(config.programs);
    expect(checkWarnings(config, plan)).toEqual([]);
    expect(formatPlan(config, plan)).toMatch(/\/api +-> http:\/\/b:8080 \(tcp probe\)/);
  });
});

describe('formatPlan', () => {
  test('prints order, kinds, dependencies, probes, restart policy, routes and warnings', () => {
    const config = loadConfig(resolve('test/fixtures/config/contract-example.yaml'), {});
    expect(formatPlan(config, startPlan(config.programs))).toBe(
      [
        `config ${config.file} is valid`,
        '',
        'start order (3 programs):',
        '  1.  redis       daemon, priority 10, critical',
        '        runs       redis-server',
        '        env        (none)',
        '        ready      redis redis://127.0.0.1:6379 every 1s, timeout 1s, retries 3',
        '        restart    always, 3 retries, backoff 200ms..30s',
        '        stop       SIGTERM, SIGKILL after 5s',
        '  2.  pocketbase  daemon, priority 20',
        '        runs       pocketbase',
        '        env        (none)',
        '        ready      pocketbase http://127.0.0.1:8090 every 1s, timeout 1s, retries 3',
        '        restart    always, 3 retries, backoff 200ms..30s',
        '        stop       SIGTERM, SIGKILL after 5s',
        '  3.  backend     daemon, priority 30',
        '        runs       /usr/local/bin/appos-backend',
        '        env        POCKETBASE_URL REDIS_ADDR',
        '        after      redis (ready), pocketbase (ready)',
        '        ready      http http://127.0.0.1:8080/healthz every 1s, timeout 1s, retries 3',
        '        restart    always, 3 retries, backoff 200ms..30s',
        '        stop       SIGTERM, SIGKILL after 5s',
        '',
        'http on 0.0.0.0:80 (4 routes, /api/health built in):',
        '  /terminal  -> http://127.0.0.1:8080 (backend, websocket)',
        '  /api       -> http://127.0.0.1:8080 (backend, hold 5s)',
        '  /pb        -> http://127.0.0.1:8090 (pocketbase, strip prefix)',
        '  /          static /appos/web (spa)',
        'control socket /run/appos/ctl.sock',
        'shutdown: up to 15s (backend -> pocketbase -> redis), deadline 8s',
        '',
        'warnings (1):',
        '  - stopping may take 15s (backend 5s -> pocketbase 5s -> redis 5s) but shutdown_timeout is 8s: lower stop_timeout or raise shutdown_timeout',
      ].join('\n'),
    );
  });

  test('shows no env values, no arguments and no URL credentials', () => {
    const config = load(
      `
http:
  listen: "[::]:8080"
  routes:
    - { path: /api, upstream: "http://user:pw-in-url@127.0.0.1:1/?token=tok-in-query" }
programs:
  db:
    command: [redis-server, --requirepass, "\${REDIS_PASSWORD}"]
    env: { PASSWORD: "\${REDIS_PASSWORD}", OTHER: literal-secret }
    ready: { redis: "redis://:\${REDIS_PASSWORD}@127.0.0.1:6379" }
    live: { exec: [check, --password, "\${REDIS_PASSWORD}"] }
`,
      { REDIS_PASSWORD: 'hunter2' },
    );
    const plan = formatPlan(config, startPlan(config.programs));
    for (const secret of [
      'hunter2',
      'literal-secret',
      'pw-in-url',
      'tok-in-query',
      '--requirepass',
    ]) {
      expect(plan).not.toContain(secret);
    }
    expect(plan).toContain('runs       redis-server');
    expect(plan).toContain('ready      redis redis://***@127.0.0.1:6379');
    expect(plan).toContain('live       exec check every 10s');
    expect(plan).toContain('http on [::]:8080');
  });
});
