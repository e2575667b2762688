// The logger's destination at its sink seam: one write per event-loop turn, bounded batches,
// the backlog signal, flush and a failing descriptor.
import { describe, expect, it } from 'vitest';
import { LogDestination } from '../../../src/log/destination.js';
import type { FdSink, WriteDone } from '../../../src/log/fd-sink.js';

/** Records every batch; `hold` keeps their callbacks until `release`, `full` reports a backlog. */
class RecordingSink implements FdSink {
  batches: string[] = [];
  held: WriteDone[] = [];
  hold = false;
  full = false;
  drain: () => void = () => undefined;
  fail: (err: Error) => void = () => undefined;

  write(batch: string, done: WriteDone): boolean {
    this.batches.push(batch);
    if (this.hold) this.held.push(done);
    else done();
    return !this.full;
  }

  onDrain(listener: () => void): void {
    this.drain = listener;
  }

  onError(listener: (err: Error) => void): void {
    this.fail = listener;
  }

  release(err?: Error): void {
    for (const done of this.held.splice(0)) done(err);
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('LogDestination', () => {
  it('writes the records of one event-loop turn as one batch, in order', async () => {
    const sink = new RecordingSink();
    const dest = new LogDestination(sink);
    for (let i = 0; i < 50; i += 1) dest.write(`{"i":${i}}\n`);
    expect(sink.batches).toEqual([]);
    await nextTurn();
    expect(sink.batches).toHaveLength(1);
    expect(sink.batches[0]!.split('\n').slice(0, -1)).toEqual(
      Array.from({ length: 50 }, (_, i) => `{"i":${i}}`),
    );
    dest.write('{"next":true}\n');
    await nextTurn();
    expect(sink.batches).toEqual([expect.any(String), '{"next":true}\n']);
  });

  it('writes before the turn ends once a batch reaches 64 KiB, losing nothing', async () => {
    const sink = new RecordingSink();
    const dest = new LogDestination(sink);
    const record = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 200; i += 1) dest.write(record);
    expect(sink.batches.length).toBe(3);
    for (const b of sink.batches) expect(b.length).toBe(64 * 1024);
    await nextTurn();
    expect(sink.batches.join('')).toBe(record.repeat(200));
  });

  it('formats each record before it is batched', async () => {
    const sink = new RecordingSink();
    const dest = new LogDestination(sink, (r) => r.toUpperCase());
    dest.write('a\n');
    dest.write('b\n');
    await nextTurn();
    expect(sink.batches).toEqual(['A\nB\n']);
  });

  it('reports a backlog until the sink drains', async () => {
    const sink = new RecordingSink();
    const dest = new LogDestination(sink);
    sink.full = true;
    dest.write('one\n');
    await nextTurn();
    expect(dest.writableNeedDrain).toBe(true);
    expect(dest.write('two\n')).toBe(false);
    let drained = false;
    dest.on('drain', () => (drained = true));
    sink.full = false;
    sink.drain();
    expect(drained).toBe(true);
    expect(dest.writableNeedDrain).toBe(false);
  });

  it('flush() writes the open batch and resolves once every batch reached the descriptor', async () => {
    const sink = new RecordingSink();
    const dest = new LogDestination(sink);
    sink.hold = true;
    dest.write('held\n');
    let flushed = false;
    dest.flush(() => (flushed = true));
    expect(sink.batches).toEqual(['held\n']);
    await nextTurn();
    expect(flushed).toBe(false);
    sink.release();
    expect(flushed).toBe(true);
  });

  it('flush() with nothing written resolves at once', async () => {
    const dest = new LogDestination(new RecordingSink());
    await new Promise<void>((resolve) => dest.flush(() => resolve()));
  });

  it('a failing descriptor disables the destination: flush resolves, later records are dropped', async () => {
    const sink = new RecordingSink();
    const dest = new LogDestination(sink);
    sink.hold = true;
    dest.write('lost\n');
    let flushed = false;
    dest.flush(() => (flushed = true));
    sink.release(Object.assign(new Error('broken pipe'), { code: 'EPIPE' }));
    expect(flushed).toBe(true);
    expect(dest.write('after\n')).toBe(true);
    await nextTurn();
    expect(sink.batches).toEqual(['lost\n']);
  });
});
