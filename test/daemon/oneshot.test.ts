// Oneshots: one that completes gates its dependents; a failing one blocks them and says so.
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon, NODE, fixture } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait-for.js';

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

interface View {
  name: string;
  state: string;
  ready: boolean;
  completed: boolean;
  reason: string;
}

describe('oneshot programs', () => {
  it('runs a oneshot to completion before its dependents start', async () => {
    d = Daemon.start(`
programs:
  init:
    kind: oneshot
    command: [${NODE}, ${fixture('exit-with.mjs')}, "0", "500"]
  app:
    command: [${NODE}, ${fixture('forever.mjs')}]
    start_seconds: 100ms
    depends_on: { init: completed }
`);
    await d.waitState('app', 'RUNNING');
    const j = await d.journal();
    const done = j.find((e) => e.program === 'init' && e.to === 'EXITED');
    const appStart = j.find((e) => e.program === 'app' && e.to === 'STARTING');
    expect(done?.reason).toBe('completed (exit status 0)');
    expect(appStart && done && appStart.at >= done.at).toBe(true);
    const s = await d.api<{ programs: View[] }>('/v1/status?name=init');
    // A completed oneshot is ready: its work is done (docs/health.md).
    expect(s.programs[0]).toMatchObject({ state: 'EXITED', completed: true, ready: true });
  });

  it('blocks dependents of a failing oneshot and reports why', async () => {
    d = Daemon.start(`
programs:
  migrate:
    kind: oneshot
    command: [${NODE}, ${fixture('exit-with.mjs')}, "3"]
    restart: never
  app:
    command: [${NODE}, ${fixture('forever.mjs')}]
    depends_on: { migrate: completed }
`);
    await d.waitState('migrate', 'FATAL');
    const app = await waitFor(async () => {
      const s = await d?.api<{ programs: View[] }>('/v1/status?name=app');
      const v = s?.programs[0];
      return v && /waiting for migrate/.test(v.reason) ? v : null;
    });
    expect(app.state).toBe('STOPPED');
    expect(app.reason).toBe('waiting for migrate to be completed (FATAL)');
    const m = (await d.api<{ programs: View[] }>('/v1/status?name=migrate')).programs[0];
    expect(m).toMatchObject({ reason: 'exited (exit status 3)', completed: false, ready: false });
    expect(d.transitions('app')).toEqual([]);
  });
});
