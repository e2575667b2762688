// `appos-ctl status` and `health` against the real apposd with real children (redis-server,
// PocketBase, fixtures): supervisorctl's layout for every state, exit 0/3 for each mix, --json.
import { afterEach, describe, expect, it } from 'vitest';
import type { StatusResponse } from '../../src/control/protocol.js';
import { Daemon, NODE, fixture } from '../helpers/daemon.js';
import {
  STACK,
  ctl,
  lines,
  stackConfig,
  stackPorts,
  statusOf,
  waitUp,
} from '../helpers/ctl-stack.js';
import { freePort } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

/** Programs in every state but RUNNING, next to the stack. */
const others = (closedPort: number): string => `
  waiter:
    command: [${NODE}, ${fixture('forever.mjs')}]
    priority: 40
    start_seconds: 100ms
    ready: { tcp: "127.0.0.1:${closedPort}", interval: 100ms }
  crasher:
    command: [${NODE}, ${fixture('exit-with.mjs')}, "3"]
    priority: 50
    start_seconds: 500ms
    backoff: { initial: 60s, max: 60s }
  missing:
    command: [$DIR/no-such-binary]
    priority: 60
  idle:
    command: [${NODE}, ${fixture('forever.mjs')}]
    priority: 70
    autostart: false
  blocked:
    command: [${NODE}, ${fixture('forever.mjs')}]
    priority: 80
    depends_on: [missing]
`;

/** `missing` must reach its spawn (and fail there): the start's host checks would refuse it. */
const HOST_INDEPENDENT = { args: ['--host-independent'] };

describe('status against a real stack', () => {
  it('lays out RUNNING, STARTING, BACKOFF, FATAL, STOPPED, waiting and a completed oneshot', async () => {
    const ports = await stackPorts();
    const closed = await freePort();
    d = Daemon.start(stackConfig(ports, others(closed)), HOST_INDEPENDENT);
    const daemon = d;
    await waitUp(daemon, STACK);
    await daemon.waitState('crasher', 'BACKOFF');
    await daemon.waitState('missing', 'FATAL');
    // The waiter's line names the probe's error once a first result is in.
    await waitFor(async () => (await statusOf(daemon, ['waiter']))[0]?.probes.ready?.error);

    const r = await ctl(daemon, 'status');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3);
    const out = lines(r.stdout);
    const pid = (name: string): number => {
      const p = daemon.pidOf(name);
      if (p === undefined) throw new Error(`no pid for ${name}`);
      return p;
    };
    // Names padded to the longest (pocketbase, 10) + 3, states to 10: supervisorctl's layout.
    // A program held back by a dependency says what it waits for.
    expect(out).toHaveLength(9);
    expect(out[0]).toMatch(/^init {9}EXITED {4}completed, exit status 0 \(0:00:\d\d ago\)$/);
    expect(out[1]).toMatch(
      new RegExp(`^redis {8}RUNNING {3}pid ${pid('redis')}, uptime 0:00:\\d\\d, ready$`),
    );
    expect(out[2]).toMatch(
      new RegExp(`^pocketbase {3}RUNNING {3}pid ${pid('pocketbase')}, uptime 0:00:\\d\\d, ready$`),
    );
    expect(out[3]).toMatch(
      new RegExp(`^backend {6}RUNNING {3}pid ${pid('backend')}, uptime 0:00:\\d\\d, ready$`),
    );
    expect(out[4]).toBe(
      `waiter       STARTING  pid ${pid('waiter')}, starting (connect ECONNREFUSED 127.0.0.1:${closed}), not-ready`,
    );
    expect(out[5]).toMatch(
      /^crasher {6}BACKOFF {3}exited too quickly \(exit status 3\); retry 1 of 3 in 60\.0s; retry in \d+s$/,
    );
    expect(out[6]).toBe(`missing      FATAL     spawn ${daemon.dir}/no-such-binary ENOENT`);
    expect(out[7]).toBe('idle         STOPPED   Not started');
    expect(out[8]).toBe('blocked      STOPPED   waiting for missing to be ready (FATAL)');
  });

  it('exits 0 when every named program is RUNNING or a completed oneshot, 3 otherwise', async () => {
    const ports = await stackPorts();
    d = Daemon.start(stackConfig(ports, others(await freePort())), HOST_INDEPENDENT);
    await waitUp(d, STACK);
    await d.waitState('crasher', 'BACKOFF');
    await d.waitState('missing', 'FATAL');
    const mixes: [string[], number][] = [
      [['redis', 'pocketbase', 'backend', 'init'], 0],
      [['init'], 0],
      [['backend'], 0],
      [[], 3],
      [['all'], 3],
      [['redis', 'waiter'], 3],
      [['waiter'], 3],
      [['crasher'], 3],
      [['missing'], 3],
      [['idle'], 3],
      [['backend', 'idle'], 3],
      [['blocked'], 3],
    ];
    for (const [names, code] of mixes) {
      const r = await ctl(d, 'status', ...names);
      expect({ names, code: r.code, stderr: r.stderr }).toEqual({ names, code, stderr: '' });
      expect(lines(r.stdout)).toHaveLength(
        names.length === 0 || names[0] === 'all' ? 9 : names.length,
      );
    }
  });

  it('--json prints the API objects and keeps the exit code', async () => {
    const ports = await stackPorts();
    d = Daemon.start(stackConfig(ports, others(await freePort())), HOST_INDEPENDENT);
    await waitUp(d, STACK);
    await d.waitState('crasher', 'BACKOFF');
    const r = await ctl(d, 'status', '--json');
    expect(r.code).toBe(3);
    const parsed = JSON.parse(r.stdout) as StatusResponse;
    const byName = Object.fromEntries(parsed.programs.map((p) => [p.name, p]));
    expect(parsed.programs.map((p) => p.name)).toEqual([
      'init',
      'redis',
      'pocketbase',
      'backend',
      'waiter',
      'crasher',
      'missing',
      'idle',
      'blocked',
    ]);
    expect(byName.redis).toMatchObject({
      state: 'RUNNING',
      ready: true,
      pid: d.pidOf('redis'),
      critical: true,
      restarts: 0,
    });
    expect(byName.redis?.probes.ready).toMatchObject({ ok: true });
    expect(byName.init).toMatchObject({ kind: 'oneshot', state: 'EXITED', completed: true });
    expect(byName.crasher).toMatchObject({ state: 'BACKOFF', last_exit: { code: 3 } });
    expect(byName.crasher?.retry_in_s).toBeGreaterThan(50);
    expect(byName.idle).toMatchObject({ state: 'STOPPED', pid: null });
    const one = await ctl(d, 'status', '--json', 'backend');
    expect(one.code).toBe(0);
    expect((JSON.parse(one.stdout) as StatusResponse).programs).toHaveLength(1);
  });
});

describe('health against a real stack', () => {
  it('exits 0 when healthy and 1 once the critical redis is stopped', async () => {
    d = Daemon.start(stackConfig(await stackPorts()));
    await waitUp(d, STACK);
    let r = await ctl(d, 'health');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'healthy (ok)\n', '']);
    const stop = await ctl(d, 'stop', 'redis');
    expect([stop.code, stop.stdout]).toEqual([0, 'redis: stopped\n']);
    r = await ctl(d, 'health');
    expect([r.code, r.stderr]).toEqual([1, '']);
    // A critical program an operator stopped leaves the stack degraded (not "starting").
    expect(r.stdout).toBe('unhealthy (degraded): redis STOPPED (critical)\n');
    const json = await ctl(d, 'health', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      healthy: false,
      down: [{ name: 'redis', state: 'STOPPED', critical: true }],
    });
    // Health output carries no command lines, env or paths.
    expect(json.stdout).not.toContain(d.dir);
    const start = await ctl(d, 'start', 'redis');
    expect([start.code, start.stdout]).toEqual([0, 'redis: started\n']);
    r = await ctl(d, 'health');
    expect([r.code, r.stdout]).toEqual([0, 'healthy (ok)\n']);
  });
});
