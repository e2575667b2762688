// Where apposd's log batches go: the file descriptor behind stdout, written the cheapest way its
// kind allows without ever blocking the event loop on a slow reader.
import { fstatSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { WriteStream as TtyStream, isatty } from 'node:tty';

/** Called once a batch reached the descriptor, or with the error that stopped it. */
export type WriteDone = (err?: Error | null) => void;

/** One batch of serialized records at a time, in order. */
export interface FdSink {
  /** Writes `batch`; false when the backlog passed the high-water mark ('drain' follows). */
  write(batch: string, done: WriteDone): boolean;
  /** `listener` runs each time a backlog has been written out. */
  onDrain(listener: () => void): void;
  /** `listener` runs when the descriptor fails outside a write (a stream's 'error'). */
  onError(listener: (err: Error) => void): void;
}

/**
 * A pipe or socket (Docker's stdout, a FIFO, journald) becomes a libuv stream: each batch is
 * written straight from the event loop and queued only while the reader lags, which Node's own
 * `process.stdout` cannot offer (it blocks on a full pipe). A terminal gets Node's tty stream.
 * A regular file or a device such as /dev/null never blocks for long and is written at once, as
 * nginx writes its access log. Measured on the edge's /api path: a thread-pool `fs.write` per
 * batch cost 4-5 us a proxied request more than a write from the loop.
 */
export function fdSink(fd: number): FdSink {
  if (isatty(fd)) return new StreamSink(new TtyStream(fd));
  const stat = fstatSync(fd);
  if (stat.isFIFO() || stat.isSocket()) {
    return new StreamSink(new Socket({ fd, readable: false, writable: true }));
  }
  return new DirectSink(fd);
}

/** A libuv stream on the descriptor; it never keeps the process alive by itself. */
class StreamSink implements FdSink {
  private failed: (err: Error) => void = () => undefined;

  constructor(private readonly stream: Socket) {
    stream.unref();
    // Never unhandled: a write's error reaches its callback, and onError's listener.
    stream.on('error', (err) => this.failed(err));
  }

  write(batch: string, done: WriteDone): boolean {
    return this.stream.write(batch, done);
  }

  onDrain(listener: () => void): void {
    this.stream.on('drain', listener);
  }

  onError(listener: (err: Error) => void): void {
    this.failed = listener;
  }
}

/** A regular file or a device: each batch written whole, from the loop. */
class DirectSink implements FdSink {
  constructor(private readonly fd: number) {}

  write(batch: string, done: WriteDone): boolean {
    try {
      // A string goes down without a Buffer (an ArrayBuffer per batch would be V8 external
      // memory, freed only at its next collection); a short write sends the rest as bytes.
      const written = writeSync(this.fd, batch);
      if (written < Buffer.byteLength(batch)) {
        const rest = Buffer.from(batch).subarray(written);
        for (let at = 0; at < rest.length;) at += writeSync(this.fd, rest, at);
      }
    } catch (err) {
      done(err as Error);
      return true;
    }
    done();
    return true;
  }

  onDrain(): void {
    // Nothing is ever held back, so there is no backlog to drain.
  }

  onError(): void {
    // A failed write is reported to its callback; there is nothing else to fail.
  }
}
