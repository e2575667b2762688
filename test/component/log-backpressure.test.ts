// Backpressure end to end: a child floods output through the relay running in a process of its
// own (test/fixtures/log/relay-harness.mjs on freshly compiled src/log). Every line must land in
// the files, the relay's peak RSS must stay bounded, and a slow stdout must slow the child.
// APPOS_FLOOD_MB sets the flood size (default 200).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = join(repo, 'test', 'fixtures', 'log');
const LINE_BYTES = 100;
const FLOOD_MB = Number(process.env.APPOS_FLOOD_MB ?? 200);

interface HarnessReport {
  childExit: number | null;
  childMs: number;
  totalMs: number;
  maxRssMB: number;
  sampledPeakMB: number;
  lastLine: string | null;
}

/** Runs a node script to completion; resolves with its exit code and stdout. */
function runNode(
  args: string[],
  running: ChildProcess[],
): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  running.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/**
 * Streams through `files` (oldest first) checking that the lines are "<prefix><n> ..." with n
 * counting up from 1 without a gap; returns how many there were.
 */
async function countNumbered(files: string[], prefix: string): Promise<number> {
  let expected = 1;
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    for await (const line of lines) {
      const n = Number(line.slice(prefix.length, prefix.length + 10));
      if (!line.startsWith(prefix) || n !== expected) {
        throw new Error(
          `${file}: expected line ${expected}, got ${JSON.stringify(line.slice(0, 30))}`,
        );
      }
      expected += 1;
    }
  }
  return expected - 1;
}

/** `<program>.log.N` ... `<program>.log.1`, `<program>.log`: oldest first. */
function rotatedOldestFirst(dir: string, program: string): string[] {
  const index = (name: string): number => Number(name.slice(program.length + 5) || 0);
  return readdirSync(dir)
    .filter((name) => name.startsWith(`${program}.log`))
    .sort((a, b) => index(b) - index(a))
    .map((name) => join(dir, name));
}

describe('output relay backpressure (separate process)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let modules: string;
  const running: ChildProcess[] = [];

  beforeAll(() => {
    tmp = tempDir('apposd-flood-');
    // Compile the log room (and the shared types it imports) into the temp dir; a node_modules
    // link lets the compiled files resolve pino and friends.
    const out = join(tmp.path, 'build');
    execFileSync(process.execPath, [
      join(repo, 'node_modules', 'typescript', 'bin', 'tsc'),
      ...['--outDir', out, '--rootDir', join(repo, 'src'), '--module', 'nodenext'],
      ...['--moduleResolution', 'nodenext', '--target', 'es2022', '--strict'],
      ...['--skipLibCheck', '--esModuleInterop', '--types', 'node'],
      join(repo, 'src', 'log', 'logger.ts'),
      join(repo, 'src', 'log', 'output-relay.ts'),
    ]);
    symlinkSync(join(repo, 'node_modules'), join(tmp.path, 'node_modules'), 'dir');
    modules = join(out, 'log');
  }, 60_000);

  afterEach(() => {
    for (const child of running.splice(0)) {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });

  afterAll(() => tmp?.cleanup());

  it(`a ${FLOOD_MB} MB flood lands whole in the rotating files with bounded memory`, async () => {
    const lines = Math.round((FLOOD_MB * 1_000_000) / LINE_BYTES);
    const dir = join(tmp.path, 'flood-logs');
    const result = join(tmp.path, 'flood-report.json');
    const maxBytes = Math.max(1_000_000, Math.ceil((FLOOD_MB * 1_000_000) / 3.5));
    const options = {
      modules,
      lines,
      lineBytes: LINE_BYTES,
      dir,
      maxBytes,
      backups: 5,
      pinoPath: join(tmp.path, 'flood-stdout.json'),
      result,
    };
    const run = await runNode(
      [join(fixtures, 'relay-harness.mjs'), JSON.stringify(options)],
      running,
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(result, 'utf8')) as HarnessReport;
    console.log(`flood ${FLOOD_MB} MB:`, report);

    expect(report.childExit).toBe(0);
    expect(report.lastLine).toMatch(new RegExp(`^out ${String(lines).padStart(10, '0')} `));
    const files = rotatedOldestFirst(dir, 'flood');
    expect(files.length).toBeGreaterThanOrEqual(4);
    expect(await countNumbered(files, 'out ')).toBe(lines);
    expect(report.maxRssMB).toBeLessThan(150);
  }, 180_000);

  it('a slow stdout slows the child instead of buffering, and loses nothing', async () => {
    const lines = 100_000;
    const rate = 10_000_000;
    const dir = join(tmp.path, 'slow-logs');
    mkdirSync(dir);
    const fifo = join(tmp.path, 'slow-stdout.fifo');
    execFileSync('mkfifo', [fifo]);
    const result = join(tmp.path, 'slow-report.json');
    const reader = runNode([join(fixtures, 'slow-reader.mjs'), fifo, String(rate)], running);
    const options = {
      modules,
      lines,
      lineBytes: LINE_BYTES,
      both: true,
      dir,
      maxBytes: 0,
      pinoPath: fifo,
      result,
    };
    const run = await runNode(
      [join(fixtures, 'relay-harness.mjs'), JSON.stringify(options)],
      running,
    );
    expect(run.code).toBe(0);
    const read = await reader;
    const { bytes, lines: records } = JSON.parse(read.out) as { bytes: number; lines: number };
    const report = JSON.parse(readFileSync(result, 'utf8')) as HarnessReport;
    console.log('slow stdout:', { readerBytes: bytes, ...report });

    expect(records).toBe(2 * lines);
    // The reader cannot take more than `rate` bytes a second, so a child that was held back
    // cannot have finished before (nearly) all of stdout went through it; a few MB of slack
    // covers the pipes and buffers in between.
    const slackBytes = 4_000_000;
    expect(report.childMs).toBeGreaterThanOrEqual(((bytes - slackBytes) / rate) * 1000);
    const file = join(dir, 'flood.log');
    const all = readFileSync(file, 'utf8').split('\n');
    all.pop();
    expect(all).toHaveLength(2 * lines);
    expect(all.filter((l) => l.startsWith('err ')).at(-1)).toMatch(/^err 0000100000 /);
    expect(report.maxRssMB).toBeLessThan(150);
  }, 120_000);
});
