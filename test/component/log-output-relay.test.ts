// The output relay with real children and pipes: files, pino records, tails, follows, errors.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogLine } from '../../src/log/api.js';
import { createLogger, type AppLogger } from '../../src/log/logger.js';
import { OutputRelay } from '../../src/log/output-relay.js';
import { LINE_OVERHEAD_BYTES } from '../../src/log/tails.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const flood = fileURLToPath(new URL('../fixtures/log/flood.mjs', import.meta.url));

describe('OutputRelay', () => {
  let tmp: ReturnType<typeof tempDir>;
  let stdoutFile: string;
  let fd: number;
  let log: AppLogger;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    tmp = tempDir('apposd-relay-');
    stdoutFile = join(tmp.path, 'apposd-stdout');
    fd = openSync(stdoutFile, 'w');
    log = createLogger({ level: 'info', maxBytes: 0, backups: 0 }, { fd, isTTY: false });
  });

  afterEach(() => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    closeSync(fd);
    tmp.cleanup();
  });

  /** Starts a real child with piped stdout/stderr, attached to the relay as `program`. */
  function run(relay: OutputRelay, program: string, args: string[]): Promise<number | null> {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    relay.attach(program, 'stdout', child.stdout!);
    relay.attach(program, 'stderr', child.stderr!);
    return new Promise((resolve) => child.on('close', (code) => resolve(code)));
  }

  const records = (): Record<string, unknown>[] =>
    readFileSync(stdoutFile, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  const numbered = (lines: string[], prefix: string): number[] =>
    lines.filter((l) => l.startsWith(prefix)).map((l) => Number(l.slice(4, 14)));

  const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

  it('delivers every line of both streams to the file, the tails and stdout, in order', async () => {
    const dir = join(tmp.path, 'logs');
    const relay = new OutputRelay({ logger: log.logger, dir, maxBytes: 0, backups: 2 });
    const n = 20_000;
    expect(await run(relay, 'flood', [flood, String(n), '60', 'both'])).toBe(0);
    await relay.closeAll(10_000);
    await log.flush();

    const fileLines = readFileSync(join(dir, 'flood.log'), 'utf8').split('\n');
    expect(fileLines.pop()).toBe('');
    expect(fileLines).toHaveLength(2 * n);
    expect(numbered(fileLines, 'out ')).toEqual(oneTo(n));
    expect(numbered(fileLines, 'err ')).toEqual(oneTo(n));

    const lastOut = relay.tail('flood', 1, 'stdout')[0]!;
    expect(lastOut).toMatchObject({ program: 'flood', stream: 'stdout' });
    expect(lastOut.line).toMatch(/^out 0000020000 x+$/);
    expect(relay.tail('flood', 3, 'stderr').map((l) => l.line.slice(0, 14))).toEqual([
      'err 0000019998',
      'err 0000019999',
      'err 0000020000',
    ]);
    expect(relay.tail('flood', 5)).toHaveLength(5);
    expect(relay.tail('nobody', 5)).toEqual([]);

    const mine = records().filter((r) => r.program === 'flood');
    expect(mine).toHaveLength(2 * n);
    for (const r of mine) {
      expect(r.level).toBe('info');
      expect(r.stream).toBe(String(r.msg).startsWith('out ') ? 'stdout' : 'stderr');
    }
    const msgs = mine.map((r) => String(r.msg));
    expect(numbered(msgs, 'out ')).toEqual(oneTo(n));
    expect(numbered(msgs, 'err ')).toEqual(oneTo(n));
  });

  it('keeps tails bounded by tailBytes and interleaves tailAll in arrival order', async () => {
    // 50 lines like "a151" per stream half; tailAll holds as many bytes as one program.
    const tailBytes = 2 * 50 * (4 + LINE_OVERHEAD_BYTES);
    const relay = new OutputRelay({ logger: log.logger, maxBytes: 0, backups: 0, tailBytes });
    await run(relay, 'a', ['-e', 'for (let i = 1; i <= 200; i++) console.log("a" + i)']);
    await run(relay, 'b', ['-e', 'console.log("b1"); console.error("b2")']);
    await relay.closeAll(5_000);
    expect(relay.tail('a', 1000).map((l) => l.line)).toEqual(
      Array.from({ length: 50 }, (_, i) => `a${151 + i}`),
    );
    const all = relay.tailAll(4).map((l) => `${l.program}:${l.line}`);
    expect(all.slice(0, 2)).toEqual(['a:a199', 'a:a200']);
    expect(all.slice(2).sort()).toEqual(['b:b1', 'b:b2']);
    const kept = relay.tailAll(1000);
    expect(kept).toHaveLength(100);
    expect(kept.reduce((n, l) => n + l.line.length + LINE_OVERHEAD_BYTES, 0)).toBeLessThanOrEqual(
      tailBytes,
    );
  });

  it('follows one program, one stream, or everything, until unsubscribed', async () => {
    const relay = new OutputRelay({ logger: log.logger, maxBytes: 0, backups: 0 });
    const everything: LogLine[] = [];
    const errOnly: LogLine[] = [];
    const other: LogLine[] = [];
    const stopAll = relay.follow(undefined, undefined, (l) => everything.push(l));
    relay.follow('p', 'stderr', (l) => errOnly.push(l));
    relay.follow('q', undefined, (l) => other.push(l));
    relay.follow(undefined, undefined, () => {
      throw new Error('a broken follower does not break delivery');
    });
    await run(relay, 'p', ['-e', 'console.log("o1"); console.error("e1"); console.log("o2")']);
    await waitFor(() => everything.length === 3, { what: 'three lines followed' });
    expect(everything.map((l) => l.line).sort()).toEqual(['e1', 'o1', 'o2']);
    expect(errOnly.map((l) => [l.program, l.stream, l.line])).toEqual([['p', 'stderr', 'e1']]);
    expect(other).toEqual([]);
    expect(typeof everything[0]!.at).toBe('number');

    stopAll();
    await run(relay, 'p', ['-e', 'console.log("later")']);
    await waitFor(() => relay.tail('p', 1)[0]?.line === 'later', { what: 'later line' });
    expect(everything).toHaveLength(3);
  });

  it('splits a final line without newline and utf-8 from a real child', async () => {
    const dir = join(tmp.path, 'logs');
    const relay = new OutputRelay({ logger: log.logger, dir, maxBytes: 0, backups: 1 });
    const script =
      'const b = Buffer.from("h\\u00e9llo\\r\\n\\u20ac end"); ' +
      'process.stdout.write(b.subarray(0, 2)); setTimeout(() => process.stdout.write(b.subarray(2)), 20)';
    await run(relay, 'u', ['-e', script]);
    await relay.closeAll(5_000);
    expect(relay.tail('u', 10).map((l) => l.line)).toEqual(['héllo', '€ end']);
    expect(readFileSync(join(dir, 'u.log'), 'utf8')).toBe('héllo\n€ end\n');
  });

  it('keeps relaying to stdout and the ring when the file cannot be written', async () => {
    const blocker = join(tmp.path, 'regular-file');
    writeFileSync(blocker, 'in the way');
    const relay = new OutputRelay({
      logger: log.logger,
      dir: join(blocker, 'logs'),
      maxBytes: 1000,
      backups: 1,
    });
    const code = await run(relay, 'p', [flood, '5000', '50', 'both']);
    expect(code).toBe(0);
    await relay.closeAll(5_000);
    await log.flush();
    expect(relay.tail('p', 1, 'stdout')[0]!.line).toMatch(/^out 0000005000 /);
    const all = records();
    expect(all.filter((r) => r.program === 'p' && r.stream !== undefined)).toHaveLength(10_000);
    const warnings = all.filter((r) => r.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ program: 'p', err: 'ENOTDIR' });
  });

  it("relays output lines even when apposd's own level is above info", async () => {
    const quiet = createLogger({ level: 'error', maxBytes: 0, backups: 0 }, { fd, isTTY: false });
    const relay = new OutputRelay({ logger: quiet.logger, maxBytes: 0, backups: 0 });
    quiet.logger.warn('not shown');
    await run(relay, 'q', ['-e', 'console.log("shown")']);
    await relay.closeAll(5_000);
    await quiet.flush();
    expect(records().map((r) => r.msg)).toEqual(['shown']);
  });

  it('ignores a source that errors, and closes a removed program', async () => {
    const dir = join(tmp.path, 'logs');
    const relay = new OutputRelay({ logger: log.logger, dir, maxBytes: 0, backups: 1 });
    const { PassThrough } = await import('node:stream');
    const source = new PassThrough();
    expect(() => relay.attach('e', 'stdout', source)).not.toThrow();
    source.write('before\npartial');
    source.destroy(new Error('pipe broke'));
    await waitFor(() => relay.tail('e', 5).length === 2, { what: 'lines before the error' });
    expect(relay.tail('e', 5).map((l) => l.line)).toEqual(['before', 'partial']);

    await relay.close('e');
    expect(readFileSync(join(dir, 'e.log'), 'utf8')).toBe('before\npartial\n');
    expect(relay.tail('e', 5)).toEqual([]);
    await relay.close('never-attached');
  });
});
