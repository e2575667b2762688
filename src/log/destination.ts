// The stream apposd's pino logger writes to: an async sonic-boom on a file descriptor (fd 1 in
// the daemon), plus the backlog signal the output relay pauses on and the flush main awaits.
import { EventEmitter } from 'node:events';
import { writeSync } from 'node:fs';
import type { SonicBoom } from './pino.js';

/**
 * A pino destination that reports its backlog like a Node Writable: `writableNeedDrain` turns
 * true when sonic-boom's buffer passes its high-water mark (16 KiB) and 'drain' is emitted once
 * everything written so far has reached the file descriptor. Nothing is ever dropped; a write
 * error (EPIPE, EIO...) disables the destination instead of crashing the daemon.
 */
export class LogDestination extends EventEmitter {
  /** True while callers should hold further output until 'drain'. */
  writableNeedDrain = false;
  /** Written since the last time sonic-boom's buffer was empty. */
  private dirty = false;
  private broken = false;

  /**
   * @param sonic an async sonic-boom (asyncFdStream in pino.ts).
   * @param format turns each pino record (a JSON line) into what is written, e.g. pretty text.
   */
  constructor(
    private readonly sonic: SonicBoom,
    private readonly format?: (record: string) => string,
  ) {
    super();
    sonic.on('drain', this.onDrain);
    sonic.on('error', this.onError);
  }

  /** Called by pino with one serialized record; returns false when the backlog is full. */
  write(record: string): boolean {
    if (this.broken) return true;
    this.dirty = true;
    let ok: boolean;
    try {
      ok = this.sonic.write(this.format === undefined ? record : safely(this.format, record));
    } catch (err) {
      this.onError(err as Error);
      return true;
    }
    if (ok === false) {
      this.writableNeedDrain = true;
      return false;
    }
    return true;
  }

  /** Calls `cb` once everything written so far has reached the file descriptor. */
  flush(cb?: (err?: Error) => void): void {
    const done = cb ?? noop;
    if (!this.dirty || this.broken) queueMicrotask(() => done());
    else this.once('drain', () => done());
  }

  private readonly onDrain = (): void => {
    this.dirty = false;
    this.writableNeedDrain = false;
    this.emit('drain');
  };

  private readonly onError = (err: NodeJS.ErrnoException): void => {
    if (this.broken) return;
    this.broken = true;
    if (err.code !== 'EPIPE') {
      try {
        writeSync(2, `apposd: log output failed (${err.code ?? err.message}); logging disabled\n`);
      } catch {
        // stderr is gone as well: nowhere left to say it.
      }
    }
    this.onDrain();
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
