// The logger's destination on real descriptors: a pipe whose reader stalls never blocks the
// event loop and loses nothing once read; a regular file is written by the end of the turn; a
// reader that goes away disables logging instead of crashing the daemon.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogDestination } from '../../src/log/destination.js';
import { fdSink } from '../../src/log/fd-sink.js';
import { tempDir } from '../helpers/temp.js';

describe('fdSink', () => {
  let tmp: ReturnType<typeof tempDir>;
  const fds: number[] = [];
  beforeEach(() => {
    tmp = tempDir('apposd-fd-sink-');
  });
  afterEach(() => {
    for (const fd of fds.splice(0)) {
      try {
        closeSync(fd);
      } catch {
        // already closed by the stream that owned it
      }
    }
    tmp.cleanup();
  });

  /** A FIFO with a reader that has not read yet, and its write end. */
  function stalledPipe(): { reader: number; writer: number } {
    const fifo = join(tmp.path, 'stdout.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, constants.O_WRONLY);
    fds.push(reader, writer);
    return { reader, writer };
  }

  it('a stalled pipe reader holds records back without blocking the loop; none is lost', async () => {
    const { reader, writer } = stalledPipe();
    const dest = new LogDestination(fdSink(writer));
    const record = (i: number): string => `{"i":${i},"pad":"${'p'.repeat(100)}"}\n`;
    const count = 20_000; // about 2.3 MB, far over the 64 KiB a pipe holds
    for (let i = 0; i < count; i += 1) dest.write(record(i));
    // Were the write blocking, this turn would never come.
    await new Promise((resolve) => setImmediate(resolve));
    expect(dest.writableNeedDrain).toBe(true);
    const drained = new Promise<void>((resolve) => dest.once('drain', resolve));
    const flushed = new Promise<void>((resolve) => dest.flush(() => resolve()));

    const chunks: Buffer[] = [];
    const stream = new Socket({ fd: reader, readable: true, writable: false });
    fds.splice(fds.indexOf(reader), 1); // the stream owns it now
    stream.on('data', (c: Buffer) => chunks.push(c));
    await drained;
    await flushed;
    const expected = Array.from({ length: count }, (_, i) => record(i)).join('');
    await expect
      .poll(() => Buffer.concat(chunks).length, { timeout: 10_000 })
      .toBe(Buffer.byteLength(expected));
    stream.destroy();
    expect(Buffer.concat(chunks).toString()).toBe(expected);
  });

  it('a regular file holds every record of the turn once it ends', async () => {
    const file = join(tmp.path, 'stdout');
    const fd = openSync(file, 'w');
    fds.push(fd);
    const dest = new LogDestination(fdSink(fd));
    dest.write('one\n');
    dest.write('two\n');
    expect(readFileSync(file, 'utf8')).toBe('');
    await new Promise((resolve) => setImmediate(resolve));
    expect(readFileSync(file, 'utf8')).toBe('one\ntwo\n');
  });

  it('a pipe whose reader went away disables logging; the process keeps running', async () => {
    const { reader, writer } = stalledPipe();
    closeSync(reader);
    fds.splice(fds.indexOf(reader), 1);
    const dest = new LogDestination(fdSink(writer));
    dest.write('into the void\n');
    await new Promise<void>((resolve) => dest.flush(() => resolve()));
    expect(dest.write('still fine\n')).toBe(true);
    await new Promise<void>((resolve) => dest.flush(() => resolve()));
  });
});
