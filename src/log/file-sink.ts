// One program's log file `<dir>/<program>.log`, rotated by size with numbered backups
// (`.1` newest ... `.N` oldest) through rotating-file-stream. File trouble never throws.
import { EventEmitter } from 'node:events';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import type { EventLogger } from '../supervisor/api.js';

export interface FileSinkOptions {
  dir: string;
  program: string;
  /** Rotate once the file reaches this many bytes; 0 means never rotate. */
  maxBytes: number;
  /** Rotated files kept: `<program>.log.1` ... `<program>.log.<backups>`. */
  backups: number;
  /** Where the one warning about a failing file goes. */
  logger: EventLogger;
}

/**
 * Appends text to a program's rotating log file. `write()` reports backpressure like a
 * Writable: when it returns false, wait for 'drain' before writing more. On any file error
 * (directory not writable, disk full) it logs one warning, stops writing, and emits 'drain' so
 * nobody stays paused on it; callers keep working without the file.
 */
export class FileSink extends EventEmitter {
  /** `<dir>/<program>.log` */
  readonly path: string;
  private readonly stream: RotatingFileStream;
  private failed = false;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: FileSinkOptions) {
    super();
    const file = `${safeFileName(opts.program)}.log`;
    this.path = join(opts.dir, file);
    const keep = Math.max(1, Math.floor(opts.backups));
    const name = (index: number | Date): string =>
      typeof index === 'number' && index > 0 ? `${file}.${index}` : file;
    this.stream = createStream(name, {
      path: opts.dir,
      rotate: keep,
      mode: 0o640,
      ...(opts.maxBytes > 0 ? { size: `${Math.floor(opts.maxBytes)}B` } : {}),
    });
    this.stream.on('error', this.onError);
    this.stream.on('drain', this.onDrain);
    this.stream.on('warning', (err: Error) =>
      opts.logger.debug({ program: opts.program, err: err.message }, 'log file warning'),
    );
    if (opts.backups < 1) this.stream.on('rotated', (name: string) => this.removeBackup(name));
  }

  /** True while the file's buffer is over its high-water mark. */
  get needDrain(): boolean {
    return !this.failed && !this.closed && this.stream.writableNeedDrain;
  }

  /** False once the file failed or was closed: writes are then dropped. */
  get usable(): boolean {
    return !this.failed && !this.closed;
  }

  /** Appends `text` (whole lines, each ending in '\n'); false means wait for 'drain'. */
  write(text: string): boolean {
    if (this.failed || this.closed) return true;
    return this.stream.write(text);
  }

  /** Ends the file: resolves once everything written is on disk and the file is closed. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.closing = this.failed
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const done = (): void => {
            this.stream.off('close', done);
            this.stream.off('error', done);
            resolve();
          };
          this.stream.once('close', done);
          this.stream.once('error', done);
          this.stream.end();
        });
    this.emit('drain');
    return this.closing;
  }

  private readonly onDrain = (): void => {
    this.emit('drain');
  };

  private readonly onError = (err: NodeJS.ErrnoException): void => {
    if (this.failed) return;
    this.failed = true;
    this.opts.logger.warn(
      { program: this.opts.program, file: this.path, err: err.code ?? err.message },
      'cannot write the program log file; continuing without it',
    );
    this.emit('drain');
  };

  /** backups: 0 keeps no rotated file: the one just rotated away is deleted. */
  private removeBackup(name: string): void {
    unlink(name).catch((err: NodeJS.ErrnoException) =>
      this.opts.logger.debug({ program: this.opts.program, err: err.code }, 'log file warning'),
    );
  }
}

/** A program name usable as a file name inside the log dir (no separators, no dot-dot). */
function safeFileName(program: string): string {
  const name = program.replace(/[^A-Za-z0-9._-]/g, '_');
  return name === '' || name === '.' || name === '..' ? `_${name}` : name;
}
