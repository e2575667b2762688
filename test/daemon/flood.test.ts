// A child writing 200 MB of lines as fast as it can: apposd's memory stays bounded (the
// child is slowed by backpressure) and its log file holds every line.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon, NODE, fixture } from '../helpers/daemon.js';
import { MiB, memory } from '../helpers/proc-memory.js';
import { waitFor } from '../helpers/wait-for.js';

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

/** apposd's RSS in MiB, 0 once it is gone. */
function rssMb(pid: number): number {
  try {
    return memory(pid).rss / MiB;
  } catch {
    return 0;
  }
}

describe('output flood', () => {
  it('keeps RSS under 150 MB and loses no line of 200 MB', { timeout: 180_000 }, async () => {
    const bytes = 200 * 1024 * 1024;
    d = Daemon.start(`
log:
  dir: $DIR/logs
  max_bytes: 1GB
programs:
  flood:
    command: [${NODE}, ${fixture('flood.mjs')}, "${bytes}"]
    start_seconds: 100ms
`);
    const pid = d.proc.pid as number;
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMb(pid));
    }, 50);
    const file = join(d.dir, 'logs', 'flood.log');
    try {
      await waitFor(
        () => {
          try {
            return execFileSync('tail', ['-c', '200', file], {
              encoding: 'utf8',
              stdio: ['ignore', 'pipe', 'ignore'],
            }).includes('flood done');
          } catch {
            return false;
          }
        },
        { timeoutMs: 170_000, intervalMs: 250, what: 'the flood to finish' },
      );
    } finally {
      clearInterval(sampler);
    }
    const tail = execFileSync('tail', ['-n', '2', file], { encoding: 'utf8' }).trim().split('\n');
    const total = Number(/flood done (\d+)/.exec(tail[1] ?? '')?.[1]);
    expect(tail[0]).toMatch(new RegExp(`^line ${total} x+$`));
    const lines = Number(execFileSync('wc', ['-l', file], { encoding: 'utf8' }).split(' ')[0]);
    expect(lines).toBe(total + 1);
    console.log(`flood: ${total} lines, apposd peak RSS ${peak.toFixed(1)} MiB`);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(150);
  });
});
