// Memory stays bounded under any output: one 300 MB line without a newline, and a flood while
// nobody reads apposd's stdout (the log file and the tail keep going, stdout drops lines and
// says how many once it drains). apposd's peak RSS (VmHWM) is asserted under a bound.
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CTL, Daemon, MAIN, NODE, fixture } from '../helpers/daemon.js';
import { MiB, memory } from '../helpers/proc-memory.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

/** apposd's peak RSS must stay under this, in MiB: idle it is about 73, the measured peaks are in docs/reliability.md. */
const PEAK_RSS_BOUND_MB = 200;

let d: Daemon | undefined;
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
  for (const c of cleanups.splice(0)) await c();
});

/** The peak resident set (VmHWM) of `pid` so far, in MiB. */
function peakRssMb(pid: number): number {
  return memory(pid).peak / MiB;
}

function fileTail(file: string, bytes: number): string {
  try {
    return execFileSync('tail', ['-c', String(bytes), file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return '';
  }
}

describe('log bounds', () => {
  it(
    'a 300 MB line without a newline keeps apposd under the bound',
    { timeout: 240_000 },
    async () => {
      const bytes = 300 * 1024 * 1024;
      d = Daemon.start(`
log:
  dir: $DIR/logs
  max_bytes: 1GB
programs:
  long:
    command: [${NODE}, ${fixture('long-line.mjs')}, "${bytes}"]
    start_seconds: 100ms
`);
      const file = join(d.dir, 'logs', 'long.log');
      await waitFor(() => fileTail(file, 100).includes('long line done'), {
        timeoutMs: 220_000,
        intervalMs: 500,
        what: 'the long line to reach the log file',
      });
      const peak = peakRssMb(d.proc.pid as number);
      // The file has the whole line, cut into 64 KiB pieces, then the last line.
      const size = Number(execFileSync('stat', ['-c', '%s', file], { encoding: 'utf8' }));
      const pieces = Math.ceil(bytes / (64 * 1024));
      expect(size).toBe(bytes + pieces + 'long line done\n'.length);
      const tail = d.ctl('tail', '-n', '2', 'long');
      expect(tail.stdout.split('\n')[1]).toContain('long line done');
      console.log(`300 MB single line: apposd peak RSS ${peak.toFixed(1)} MiB`);
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThan(PEAK_RSS_BOUND_MB);
    },
  );

  it(
    'a blocked stdout stops neither the file nor the tail; it drops lines and says so',
    { timeout: 180_000 },
    async () => {
      const tmp = tempDir('apposd-blocked-');
      cleanups.push(() => tmp.cleanup());
      const socket = join(tmp.path, 'ctl.sock');
      const config = join(tmp.path, 'config.yaml');
      const bytes = 50 * 1024 * 1024;
      writeFileSync(
        config,
        `
log:
  dir: ${tmp.path}/logs
  max_bytes: 1GB
control:
  socket: ${socket}
programs:
  flood:
    command: [${NODE}, ${fixture('flood.mjs')}, "${bytes}"]
    start_seconds: 100ms
`,
      );
      // apposd's stdout is a pipe nobody reads (like `docker logs` not being read).
      const apposd = spawn(NODE, [MAIN, '--config', config], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      cleanups.push(async () => {
        if (apposd.exitCode === null && apposd.signalCode === null) {
          apposd.kill('SIGKILL');
          await new Promise((r) => apposd.once('exit', r));
        }
      });
      const file = join(tmp.path, 'logs', 'flood.log');
      await waitFor(() => fileTail(file, 200).includes('flood done'), {
        timeoutMs: 150_000,
        intervalMs: 250,
        what: 'the flood to reach the log file while stdout is blocked',
      });
      const total = Number(/flood done (\d+)/.exec(fileTail(file, 200))?.[1]);
      const ctl = (...args: string[]) =>
        execFileSync(NODE, [CTL, '--socket', socket, ...args], { encoding: 'utf8' });
      expect(ctl('tail', '-n', '1', 'flood')).toContain(`flood done ${total}`);
      const peak = peakRssMb(apposd.pid as number);

      // Now read stdout: once it drains, one record counts what it missed.
      let out = '';
      apposd.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
      const notice = await waitFor(
        () =>
          out
            .split('\n')
            .filter((l) => l.includes('stdout was blocked'))
            .map((l) => JSON.parse(l) as { total: number; dropped: Record<string, number> })[0],
        { timeoutMs: 30_000, what: 'the dropped-lines notice' },
      );
      expect(notice.total).toBeGreaterThan(0);
      expect(notice.dropped.flood).toBe(notice.total);
      // Every line that was not dropped reached stdout.
      const relayed = out.split('\n').filter((l) => l.includes('"program":"flood"')).length;
      expect(relayed + notice.total).toBeGreaterThanOrEqual(total);
      console.log(
        `blocked stdout: ${total} lines, ${notice.total} dropped from stdout, apposd peak RSS ${peak.toFixed(1)} MiB`,
      );
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThan(PEAK_RSS_BOUND_MB);
      apposd.kill('SIGTERM');
      await new Promise((r) => apposd.once('exit', r));
    },
  );
});
