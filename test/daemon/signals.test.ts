// Signals to apposd: USR1 and USR2 are ignored (no inspector, no death), QUIT is a graceful
// shutdown like TERM and INT.
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon, NODE, fixture } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait-for.js';

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

describe('signals', () => {
  it('ignores USR1 and USR2 and shuts down gracefully on QUIT', async () => {
    d = Daemon.start(`
programs:
  worker:
    command: [${NODE}, ${fixture('forever.mjs')}]
    start_seconds: 100ms
`);
    await d.waitState('worker', 'RUNNING');
    d.signal('SIGUSR1');
    d.signal('SIGUSR2');
    await waitFor(() => d?.records().filter((r) => /: ignored$/.test(r.msg)).length === 2);
    expect(d.exitStatus).toBeNull();
    expect(d.stderr).not.toMatch(/Debugger listening/);
    d.signal('SIGQUIT');
    const exit = await d.waitExit();
    expect(exit.code).toBe(0);
    expect(d.transitions('worker').at(-1)?.to).toBe('STOPPED');
  });
});
