// The per-program rotating file: rotation by size, backups kept, dir creation, errors.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSink } from '../../src/log/file-sink.js';
import type { EventLogger } from '../../src/supervisor/api.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

/** An EventLogger that remembers what it was told (a fake at the logging seam). */
function recordingLogger(): EventLogger & {
  calls: { level: string; fields: object; msg: string }[];
} {
  const calls: { level: string; fields: object; msg: string }[] = [];
  const at = (level: string) => (fields: object, msg: string) => calls.push({ level, fields, msg });
  return { calls, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Writes `count` numbered lines in batches of `perBatch`, honouring backpressure. */
async function writeLines(sink: FileSink, count: number, perBatch: number): Promise<void> {
  for (let i = 1; i <= count; i += perBatch) {
    let batch = '';
    for (let n = i; n < i + perBatch && n <= count; n += 1) batch += `line ${n}\n`;
    if (!sink.write(batch)) await new Promise((r) => sink.once('drain', r));
  }
}

function numbers(file: string): number[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => Number(l.slice('line '.length)));
}

describe('FileSink', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir('apposd-log-sink-');
  });
  afterEach(() => tmp.cleanup());

  it('creates the directory and appends whole lines', async () => {
    const dir = join(tmp.path, 'a', 'b');
    const logger = recordingLogger();
    const sink = new FileSink({ dir, program: 'web', maxBytes: 0, backups: 3, logger });
    expect(sink.path).toBe(join(dir, 'web.log'));
    await writeLines(sink, 100, 7);
    await sink.close();
    expect(numbers(sink.path)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(logger.calls.filter((c) => c.level === 'warn')).toEqual([]);
  });

  it('appends to an existing file across sinks (program restarts)', async () => {
    const logger = recordingLogger();
    const first = new FileSink({ dir: tmp.path, program: 'p', maxBytes: 0, backups: 1, logger });
    first.write('line 1\n');
    await first.close();
    const second = new FileSink({ dir: tmp.path, program: 'p', maxBytes: 0, backups: 1, logger });
    second.write('line 2\n');
    await second.close();
    expect(numbers(join(tmp.path, 'p.log'))).toEqual([1, 2]);
  });

  it('rotates by size, keeps N backups, newest lines in the newest file', async () => {
    const logger = recordingLogger();
    const sink = new FileSink({ dir: tmp.path, program: 'r', maxBytes: 200, backups: 2, logger });
    await writeLines(sink, 300, 10);
    await sink.close();
    const files = readdirSync(tmp.path).sort();
    expect(files).toEqual(['r.log', 'r.log.1', 'r.log.2']);
    const current = numbers(join(tmp.path, 'r.log'));
    const one = numbers(join(tmp.path, 'r.log.1'));
    const two = numbers(join(tmp.path, 'r.log.2'));
    // Oldest to newest, the kept files hold one unbroken run ending with the last line
    // (the current file may be empty when the last write triggered a rotation).
    const kept = [...two, ...one, ...current];
    expect(kept.at(-1)).toBe(300);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => kept[0]! + i));
    expect(two.length).toBeGreaterThan(0);
    expect(one[0]).toBe(two.at(-1)! + 1);
    expect(kept[0]).toBeGreaterThan(1);
  });

  it('with backups 0 keeps only the current file', async () => {
    const logger = recordingLogger();
    const sink = new FileSink({ dir: tmp.path, program: 'z', maxBytes: 100, backups: 0, logger });
    await writeLines(sink, 100, 10);
    await sink.close();
    await waitFor(() => readdirSync(tmp.path).length === 1, { what: 'backup removed' });
    expect(readdirSync(tmp.path)).toEqual(['z.log']);
    const current = numbers(join(tmp.path, 'z.log'));
    if (current.length > 0) expect(current.at(-1)).toBe(100);
  });

  it('keeps a hostile program name inside the directory', async () => {
    const logger = recordingLogger();
    const sink = new FileSink({
      dir: tmp.path,
      program: '../evil/x',
      maxBytes: 0,
      backups: 1,
      logger,
    });
    expect(sink.path).toBe(join(tmp.path, '.._evil_x.log'));
    sink.write('line 1\n');
    await sink.close();
    expect(existsSync(sink.path)).toBe(true);
  });

  it('warns once and never throws when the directory cannot be made', async () => {
    const blocker = join(tmp.path, 'regular-file');
    writeFileSync(blocker, 'not a directory');
    const logger = recordingLogger();
    const sink = new FileSink({
      dir: join(blocker, 'logs'),
      program: 'p',
      maxBytes: 1000,
      backups: 1,
      logger,
    });
    sink.write('line 1\n');
    await waitFor(() => !sink.usable, { what: 'sink to fail' });
    expect(sink.write('line 2\n')).toBe(true);
    expect(sink.needDrain).toBe(false);
    await sink.close();
    const warnings = logger.calls.filter((c) => c.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.fields).toMatchObject({ program: 'p', err: 'ENOTDIR' });
  });

  it('releases a writer waiting for drain when it fails', async () => {
    const blocker = join(tmp.path, 'regular-file');
    writeFileSync(blocker, '');
    const logger = recordingLogger();
    const sink = new FileSink({
      dir: join(blocker, 'x'),
      program: 'p',
      maxBytes: 0,
      backups: 1,
      logger,
    });
    const full = sink.write('y'.repeat(100_000) + '\n');
    expect(full).toBe(false);
    await new Promise((r) => sink.once('drain', r));
    expect(sink.usable).toBe(false);
  });
});
