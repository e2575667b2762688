// A child writing 200 MB of lines as fast as it can: apposd's memory stays bounded (the
// child is slowed by backpressure) and its log file holds every line. While a child floods its
// output, apposd's young generation stays small (the output relay looks at it as the edge's reads
// do: young-generation.ts), where V8 grew it to 2 x 16 MiB, and RSS with it.
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

  it('holds the young generation small while a program logs steadily', async () => {
    d = Daemon.start(
      `
log:
  dir: $DIR/logs
programs:
  chatty:
    command: [${NODE}, ${fixture('soak-flooder.mjs')}, "$DIR/count", "10000"]
`,
      { nodeArgs: ['--trace-gc-verbose'] },
    );
    // 10,000 lines of 80 bytes a second, for 15 s.
    const written = (): number => {
      try {
        return Number(tailOf(join(d!.dir, 'count')).trim().split('\n').at(-1)?.split(' ')[1] ?? 0);
      } catch {
        return 0;
      }
    };
    await waitFor(() => written() >= 150_000, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: '150,000 lines',
    });
    // V8 prints each space's size after each collection. It may grow the new space to 2 x 4 MiB
    // while apposd starts, before the first line is read; left alone, the lines grow it to 2 x 16.
    const sizes = [
      ...d.stdout.matchAll(
        /New space,\s+used:\s+\d+ KB, available:\s+\d+ KB, committed:\s+(\d+) KB/g,
      ),
    ].map((m) => Number(m[1]));
    console.log(`new space: ${Math.max(...sizes)} KB at most over ${sizes.length} collections`);
    expect(sizes.length).toBeGreaterThan(20);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(8 * 1024);
  }, 90_000);
});

function tailOf(file: string): string {
  return execFileSync('tail', ['-c', '200', file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}
