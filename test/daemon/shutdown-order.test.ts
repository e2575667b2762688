// SIGTERM: programs stop in reverse start order; a child that ignores SIGTERM is killed with
// its grandchildren after stop_timeout; apposd exits 0 within shutdown_timeout, nothing left.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon, NODE, alive, fixture, processesWithEnv } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait-for.js';

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

describe('shutdown', () => {
  it('stops in reverse order, kills a SIGTERM-ignoring tree after stop_timeout, exits 0', async () => {
    d = Daemon.start(`
shutdown_timeout: 6s
programs:
  first:
    command: [${NODE}, ${fixture('slow-stop.mjs')}, "200"]
    priority: 1
    start_seconds: 100ms
    env: { TEST_DIR: $DIR }
  stubborn:
    command: [${NODE}, ${fixture('ignore-sigterm.mjs')}, "2", $DIR/pids]
    priority: 2
    start_seconds: 100ms
    stop_timeout: 1s
    depends_on: [first]
    env: { TEST_DIR: $DIR }
  last:
    command: [${NODE}, ${fixture('forever.mjs')}]
    priority: 3
    start_seconds: 100ms
    depends_on: { stubborn: started }
    env: { TEST_DIR: $DIR }
`);
    await d.waitState('last', 'RUNNING');
    const dir = d.dir;
    const pids = await waitFor(() => {
      try {
        const p = readFileSync(join(dir, 'pids'), 'utf8').trim().split('\n').map(Number);
        return p.length === 3 ? p : null;
      } catch {
        return null;
      }
    });
    expect(processesWithEnv('TEST_DIR', dir).length).toBeGreaterThanOrEqual(5);
    const t0 = Date.now();
    d.signal('SIGTERM');
    const exit = await d.waitExit(10_000);
    const took = Date.now() - t0;
    expect(exit.code).toBe(0);
    expect(took).toBeLessThan(6_000);
    const order = d
      .transitions()
      .filter((r) => r.to === 'STOPPING')
      .map((r) => r.program);
    expect(order).toEqual(['last', 'stubborn', 'first']);
    const stubborn = d.transitions('stubborn');
    const stopping = stubborn.find((r) => r.to === 'STOPPING');
    const stopped = stubborn.find((r) => r.to === 'STOPPED');
    // Killed after its 1 s stop_timeout, not before.
    expect((stopped?.time ?? 0) - (stopping?.time ?? 0)).toBeGreaterThanOrEqual(950);
    expect(stopped?.reason).toBe('stopped (killed by SIGKILL)');
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(processesWithEnv('TEST_DIR', dir)).toEqual([]);
  });

  it('kills everything left when the global shutdown_timeout passes', async () => {
    d = Daemon.start(`
shutdown_timeout: 1s
programs:
  slow:
    command: [${NODE}, ${fixture('slow-stop.mjs')}, "30000"]
    start_seconds: 100ms
    stop_timeout: 20s
    env: { TEST_DIR: $DIR }
`);
    await d.waitState('slow', 'RUNNING');
    // Its SIGTERM handler is in place once it has said "running".
    await waitFor(() => d?.stdout.includes('"msg":"running"'));
    const t0 = Date.now();
    d.signal('SIGINT');
    const exit = await d.waitExit(10_000);
    expect(exit.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3_500);
    // On a miss the whole log shows why (the program's own exit, or a lost line).
    expect(d.records().map((r) => r.msg)).toContain(
      'shutdown timeout reached: killing what is left',
    );
    expect(d.transitions('slow').at(-1)?.reason).toBe('stopped (killed by SIGKILL)');
    expect(processesWithEnv('TEST_DIR', d.dir)).toEqual([]);
  });
});
