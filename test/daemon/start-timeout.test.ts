// start_timeout with a real process: a program whose ready probe never passes is stopped at
// the deadline, backs off, and is FATAL after start_retries, with a reason naming the probe.
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon, NODE, alive, fixture } from '../helpers/daemon.js';

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

describe('start_timeout', () => {
  it('fails a start whose ready probe never passes: BACKOFF, then FATAL', async () => {
    d = Daemon.start(`
programs:
  never-ready:
    command: [${NODE}, ${fixture('forever.mjs')}]
    ready: { tcp: "127.0.0.1:1", interval: 100ms, timeout: 100ms }
    start_timeout: 600ms
    start_retries: 1
    backoff: { initial: 100ms, max: 100ms }
`);
    await d.waitState('never-ready', 'FATAL', 30_000);
    const moves = d.transitions('never-ready').map((t) => `${t.from}->${t.to}`);
    expect(moves).toEqual([
      'STOPPED->STARTING',
      'STARTING->STOPPING',
      'STOPPING->BACKOFF',
      'BACKOFF->STARTING',
      'STARTING->STOPPING',
      'STOPPING->FATAL',
    ]);
    const journal = await d.journal('never-ready');
    expect(journal[1]?.reason).toMatch(/^ready probe \(tcp\) did not pass within 0\.6s/);
    expect(journal.at(-1)?.reason).toMatch(
      /^ready probe \(tcp\) did not pass within 0\.6s.*; gave up after 2 attempts$/,
    );
    const pid = d.pidOf('never-ready');
    expect(pid !== undefined && alive(pid)).toBe(false);
    const status = d.ctl('status', 'never-ready');
    expect(status.code).toBe(3);
    expect(status.stdout).toMatch(/FATAL/);
  });
});
