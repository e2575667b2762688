// The stream apposd's pino logger writes to: records gathered for one turn of the event loop and
// written as one batch to a file descriptor (fd 1 in the daemon; fd-sink.ts picks how), plus the
// backlog signal the output relay pauses on and the flush main awaits.
import { EventEmitter } from 'node:events';
import { writeSync } from 'node:fs';
import type { FdSink } from './fd-sink.js';

/** A batch is written before the turn ends once it holds this many characters. */
const BATCH_CHARS = 64 * 1024;

/**
 * A pino destination that reports its backlog like a Node Writable: `writableNeedDrain` turns
 * true when the descriptor's backlog passes its high-water mark (16 KiB) and 'drain' is emitted
 * once it is written out. Records of one event-loop turn (a burst of access lines under load)
 * go out in one write. Nothing is ever dropped; a write error (EPIPE, EIO...) disables the
 * destination instead of crashing the daemon.
 */
export class LogDestination extends EventEmitter {
  /** True while callers should hold further output until 'drain'. */
  writableNeedDrain = false;
  /** This turn's records, not yet handed to the sink. */
  private pending = '';
  private turn: NodeJS.Immediate | null = null;
  /** Batches handed to the sink and not yet written. */
  private inFlight = 0;
  private broken = false;

  /**
   * @param sink where batches go (fdSink(1) in the daemon).
   * @param format turns each pino record (a JSON line) into what is written, e.g. pretty text.
   */
  constructor(
    private readonly sink: FdSink,
    private readonly format?: (record: string) => string,
  ) {
    super();
    sink.onDrain(this.onDrain);
    sink.onError(this.onError);
  }

  /** Called by pino with one serialized record; returns false when the backlog is full. */
  write(record: string): boolean {
    if (this.broken) return true;
    this.pending += this.format === undefined ? record : safely(this.format, record);
    if (this.pending.length >= BATCH_CHARS) this.writeBatch();
    else this.turn ??= setImmediate(this.writeBatch);
    return !this.writableNeedDrain;
  }

  /** Calls `cb` once everything written so far has reached the file descriptor. */
  flush(cb?: (err?: Error) => void): void {
    const done = cb ?? noop;
    if (this.pending !== '') this.writeBatch();
    if (this.inFlight === 0 || this.broken) queueMicrotask(() => done());
    else this.once('written', () => done());
  }

  private readonly writeBatch = (): void => {
    if (this.turn !== null) {
      clearImmediate(this.turn);
      this.turn = null;
    }
    const batch = this.pending;
    this.pending = '';
    if (batch === '' || this.broken) return;
    this.inFlight += 1;
    if (!this.sink.write(batch, this.onWritten)) this.writableNeedDrain = true;
  };

  private readonly onWritten = (err?: Error | null): void => {
    this.inFlight -= 1;
    if (err) this.onError(err);
    if (this.inFlight === 0) this.emit('written');
  };

  private readonly onDrain = (): void => {
    this.writableNeedDrain = false;
    this.emit('drain');
  };

  private readonly onError = (err: NodeJS.ErrnoException): void => {
    if (this.broken) return;
    this.broken = true;
    this.pending = '';
    if (err.code !== 'EPIPE') {
      try {
        writeSync(2, `apposd: log output failed (${err.code ?? err.message}); logging disabled\n`);
      } catch {
        // stderr is gone as well: nowhere left to say it.
      }
    }
    this.onDrain();
    this.emit('written');
  };
}

/** The formatted record, or the record itself should formatting ever fail. */
function safely(format: (record: string) => string, record: string): string {
  try {
    return format(record);
  } catch {
    return record;
  }
}

function noop(): void {}
