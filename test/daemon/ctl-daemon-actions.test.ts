// `appos-ctl start|stop|restart|shutdown` against the real apposd with real children: outcome
// lines and exit codes, pids and states, `restart all` in dependency order (from the journal),
// spawn errors, unknown names with a did-you-mean.
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon, NODE, alive, fixture } from '../helpers/daemon.js';
import {
  STACK,
  ctl,
  lines,
  pids,
  stackConfig,
  stackPorts,
  statusOf,
  waitControl,
  waitUp,
} from '../helpers/ctl-stack.js';

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

describe('stop and start against a real stack', () => {
  it('stop backend, then start backend: states, pids and outcome lines', async () => {
    d = Daemon.start(stackConfig(await stackPorts()));
    await waitUp(d, STACK);
    const before = await pids(d);

    let r = await ctl(d, 'stop', 'backend');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'backend: stopped\n', '']);
    expect(alive(before.backend!)).toBe(false);
    const [stopped] = await statusOf(d, ['backend']);
    expect(stopped).toMatchObject({ state: 'STOPPED', pid: null, ready: false });
    r = await ctl(d, 'status', 'backend');
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(
      /^backend {3}STOPPED {3}stopped \(exit status 0\) \(0:00:0\d ago\)\n$/,
    );

    // Stopping it again is an error; the others were not touched.
    r = await ctl(d, 'stop', 'backend');
    expect([r.code, r.stdout]).toEqual([1, 'backend: ERROR (not running)\n']);
    const during = await pids(d);
    expect(during).toEqual({ redis: before.redis, pocketbase: before.pocketbase });

    r = await ctl(d, 'start', 'backend');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'backend: started\n', '']);
    const after = await pids(d);
    expect(after.backend).toBeDefined();
    expect(after.backend).not.toBe(before.backend);
    expect(after.redis).toBe(before.redis);
    expect(after.pocketbase).toBe(before.pocketbase);
    const [started] = await statusOf(d, ['backend']);
    expect(started).toMatchObject({ state: 'RUNNING', ready: true, restarts: 1 });

    r = await ctl(d, 'start', 'backend');
    expect([r.code, r.stdout]).toEqual([1, 'backend: ERROR (already started)\n']);
    const journal = (await d.journal('backend')).map((e) => `${e.from}->${e.to}`);
    expect(journal).toEqual([
      'STOPPED->STARTING',
      'STARTING->RUNNING',
      'RUNNING->STOPPING',
      'STOPPING->STOPPED',
      'STOPPED->STARTING',
      'STARTING->RUNNING',
    ]);
  });

  it('restart all stops everything last-started first, then starts in dependency order', async () => {
    d = Daemon.start(stackConfig(await stackPorts()));
    await waitUp(d, STACK);
    const before = await pids(d);
    const seq = (await d.journal()).length;

    const r = await ctl(d, 'restart', 'all');
    expect([r.code, r.stdout, r.stderr]).toEqual([
      0,
      'init: restarted\nredis: restarted\npocketbase: restarted\nbackend: restarted\n',
      '',
    ]);
    const after = await pids(d);
    for (const name of ['redis', 'pocketbase', 'backend']) {
      expect(after[name]).toBeDefined();
      expect(after[name]).not.toBe(before[name]);
    }
    // The same order from `appos-ctl journal` and the API's journal.
    const j = (await d.journal()).slice(seq).map((e) => `${e.program} ${e.from}->${e.to}`);
    expect(j).toEqual([
      'backend RUNNING->STOPPING',
      'backend STOPPING->STOPPED',
      'pocketbase RUNNING->STOPPING',
      'pocketbase STOPPING->STOPPED',
      'redis RUNNING->STOPPING',
      'redis STOPPING->STOPPED',
      'init EXITED->STARTING',
      'init STARTING->EXITED',
      'redis STOPPED->STARTING',
      'redis STARTING->RUNNING',
      'pocketbase STOPPED->STARTING',
      'pocketbase STARTING->RUNNING',
      'backend STOPPED->STARTING',
      'backend STARTING->RUNNING',
    ]);
    const printed = await ctl(d, 'journal', '-n', String(j.length));
    expect(printed.code).toBe(0);
    const moves = lines(printed.stdout).map((l) => {
      const m = /^\S+ {2}(\S+) +(\S+ -> \S+)/.exec(l);
      return m ? `${m[1]} ${m[2]?.replace(' -> ', '->')}` : l;
    });
    expect(moves).toEqual(j);
    expect(lines(printed.stdout)[0]).toMatch(
      / backend +RUNNING -> STOPPING +run 1 {2}stop requested$/,
    );
    expect(lines(printed.stdout).at(-1)).toMatch(
      / backend +STARTING -> RUNNING +run 2 {2}ready probe passed$/,
    );
  });
});

describe('errors', () => {
  /** `missing` must reach its spawn (and fail there): the start's host checks would refuse it. */
  const HOST_INDEPENDENT = { args: ['--host-independent'] };
  const small = `
programs:
  worker:
    command: [${NODE}, ${fixture('forever.mjs')}]
    priority: 1
    start_seconds: 100ms
  backend:
    command: [${NODE}, ${fixture('forever.mjs')}]
    priority: 2
    start_seconds: 100ms
  missing:
    command: [$DIR/no-such-binary]
    priority: 3
    autostart: false
`;

  it('start of a missing binary prints the spawn error and exits 1', async () => {
    d = Daemon.start(small, HOST_INDEPENDENT);
    await waitUp(d, ['worker', 'backend']);
    let r = await ctl(d, 'start', 'missing');
    expect([r.code, r.stdout, r.stderr]).toEqual([
      1,
      'missing: ERROR (spawn failed: ENOENT)\n',
      '',
    ]);
    r = await ctl(d, 'status', 'missing');
    expect([r.code, r.stdout]).toEqual([
      3,
      `missing   FATAL     spawn ${d.dir}/no-such-binary ENOENT\n`,
    ]);
    // One failure among successes: every line printed, exit 1.
    r = await ctl(d, 'restart', 'backend', 'missing');
    expect([r.code, r.stdout]).toEqual([
      1,
      'backend: restarted\nmissing: ERROR (spawn failed: ENOENT)\n',
    ]);
  });

  it('stop all and start all leave out what is already stopped or running', async () => {
    d = Daemon.start(small, HOST_INDEPENDENT);
    await waitUp(d, ['worker', 'backend']);
    // missing never started (autostart: false): nothing to stop there.
    let r = await ctl(d, 'stop', 'all');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'backend: stopped\nworker: stopped\n', '']);
    r = await ctl(d, 'stop', 'all');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, '', '']);
    r = await ctl(d, 'start', 'worker');
    expect([r.code, r.stdout]).toEqual([0, 'worker: started\n']);
    r = await ctl(d, 'start', 'all');
    expect([r.code, r.stdout]).toEqual([
      1,
      'backend: started\nmissing: ERROR (spawn failed: ENOENT)\n',
    ]);
    r = await ctl(d, 'start', 'all');
    expect([r.code, r.stdout]).toEqual([1, 'missing: ERROR (spawn failed: ENOENT)\n']);
    // The FATAL one has nothing to stop either.
    r = await ctl(d, 'stop', 'all');
    expect([r.code, r.stdout]).toEqual([0, 'backend: stopped\nworker: stopped\n']);
  });

  it('start of a program whose dependency cannot start ends in an ERROR line', async () => {
    d = Daemon.start(
      `
programs:
  dep:
    command: [$DIR/no-such-binary]
    priority: 1
  app:
    command: [${NODE}, ${fixture('forever.mjs')}]
    priority: 2
    start_seconds: 100ms
    depends_on: [dep]
`,
      HOST_INDEPENDENT,
    );
    await d.waitState('dep', 'FATAL');
    await waitControl(d);
    let r = await ctl(d, 'status', 'app');
    expect([r.code, r.stdout, r.stderr]).toEqual([
      3,
      'app   STOPPED   waiting for dep to be ready (FATAL)\n',
      '',
    ]);
    // Starting app starts its dependency again; once that is FATAL again the start fails at
    // once instead of waiting out the action timeout.
    const t0 = Date.now();
    r = await ctl(d, 'start', 'app');
    expect([r.code, r.stdout, r.stderr]).toEqual([1, 'app: ERROR (dependency dep is FATAL)\n', '']);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('refuses unknown names with a did-you-mean before acting on any, exit 1', async () => {
    d = Daemon.start(small, HOST_INDEPENDENT);
    await waitUp(d, ['worker', 'backend']);
    const before = await pids(d);
    for (const verb of ['start', 'stop', 'restart']) {
      const r = await ctl(d, verb, 'worker', 'bakend');
      expect([verb, r.code, r.stdout, r.stderr]).toEqual([
        verb,
        1,
        '',
        'bakend: ERROR (no such program; did you mean backend?)\n',
      ]);
    }
    const cases: [string[], string][] = [
      [['status', 'bakend'], 'bakend: ERROR (no such program; did you mean backend?)\n'],
      [['tail', 'wroker'], 'wroker: ERROR (no such program; did you mean worker?)\n'],
      [['pid', 'bakend'], 'bakend: ERROR (no such program; did you mean backend?)\n'],
      [['signal', 'HUP', 'bakend'], 'bakend: ERROR (no such program; did you mean backend?)\n'],
      [['journal', 'bakend'], 'bakend: ERROR (no such program; did you mean backend?)\n'],
      [['stop', 'xyzzy'], 'xyzzy: ERROR (no such program)\n'],
    ];
    for (const [args, stderr] of cases) {
      const r = await ctl(d, ...args);
      expect([args, r.code, r.stdout, r.stderr]).toEqual([args, 1, '', stderr]);
    }
    expect(await pids(d)).toEqual(before);
  });
});

describe('shutdown', () => {
  it('stops every program, then apposd, with exit 0', async () => {
    d = Daemon.start(stackConfig(await stackPorts()));
    await waitUp(d, STACK);
    const before = await pids(d);
    const r = await ctl(d, 'shutdown');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'Shut down\n', '']);
    const exit = await d.waitExit(20_000);
    expect(exit).toEqual({ code: 0, signal: null });
    for (const pid of Object.values(before)) expect(alive(pid)).toBe(false);
    expect(existsSync(d.socket)).toBe(false);
    const gone = await ctl(d, 'status');
    expect([gone.code, gone.stdout, gone.stderr]).toEqual([
      2,
      '',
      `apposd is not running (no socket at ${d.socket})\n`,
    ]);
    const stops = d
      .transitions()
      .filter((t) => t.to === 'STOPPING')
      .map((t) => t.program);
    expect(stops).toEqual(['backend', 'pocketbase', 'redis']);
  });
});
