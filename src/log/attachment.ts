// One child stream being read by the output relay: splits it into lines and delivers each to
// apposd's stdout (or counts it as dropped while stdout is blocked), the program's file batch,
// its tail and followers; pauses the child while the file, or a briefly slow stdout, backs up.
import type { StreamName } from './api.js';
import type { FileSink } from './file-sink.js';
import { LineSplitter } from './line-splitter.js';
import type { Logger } from './pino.js';
import { youngGenerationBusy } from '../young-generation.js';

/** What an attachment asks of its relay. */
export interface RelayHost {
  /** True while apposd's stdout is backed up but not (yet) counted as blocked: wait for it. */
  stdoutBacklogged(): boolean;
  /** True while apposd's stdout is blocked: lines for it are dropped and counted. */
  stdoutBlocked(): boolean;
  /** One line of `program` was not written to stdout. */
  dropped(program: string): void;
  /** Records a delivered line in the tails and hands it to matching followers. */
  publish(program: string, stream: StreamName, line: string, at: number): void;
  /** The attachment paused its source; call resumeIfClear() on every drain. */
  paused(attachment: Attachment): void;
  /** The attachment's source ended. */
  finished(attachment: Attachment): void;
  debug(fields: object, msg: string): void;
}

/** The per-program state an attachment writes to (owned by the relay). */
export interface AttachmentTarget {
  readonly name: string;
  sink: FileSink | undefined;
}

/** Reads one child stream to its end; see the file header. */
export class Attachment {
  private readonly splitter: LineSplitter;
  /** Epoch ms the chunk being split was read. */
  private at = 0;
  /** The current chunk's lines for the file, written in one go after the chunk. */
  private batch = '';
  private toFile = false;
  private paused = false;
  private done = false;

  constructor(
    private readonly relay: RelayHost,
    private readonly output: AttachmentTarget,
    private readonly stream: StreamName,
    private readonly source: NodeJS.ReadableStream,
    private readonly log: Logger,
  ) {
    this.splitter = new LineSplitter(this.onLine);
  }

  start(): void {
    this.source.on('data', this.onData);
    this.source.on('end', this.onEnd);
    this.source.on('close', this.onEnd);
    this.source.on('error', this.onError);
  }

  /** Resumes the source if nothing it waits on is backed up; true when resumed. */
  resumeIfClear(): boolean {
    if (!this.paused) return true;
    if (this.mustWait()) return false;
    this.paused = false;
    this.source.resume();
    return true;
  }

  private readonly onData = (chunk: Buffer | string): void => {
    if (this.done) return;
    youngGenerationBusy();
    this.at = Date.now();
    this.toFile = this.output.sink?.usable ?? false;
    this.splitter.push(chunk);
    this.writeBatch();
    if (!this.paused && this.mustWait()) {
      this.paused = true;
      this.source.pause();
      this.relay.paused(this);
    }
  };

  private readonly onLine = (line: string): void => {
    if (this.relay.stdoutBlocked()) this.relay.dropped(this.output.name);
    else this.log.info(line);
    if (this.toFile) this.batch += line + '\n';
    this.relay.publish(this.output.name, this.stream, line, this.at);
  };

  private readonly onEnd = (): void => {
    if (this.done) return;
    this.at = Date.now();
    this.toFile = this.output.sink?.usable ?? false;
    this.splitter.end();
    this.writeBatch();
    this.done = true;
    this.paused = false;
    this.relay.finished(this);
  };

  private readonly onError = (err: Error): void => {
    this.relay.debug(
      { program: this.output.name, stream: this.stream, err: err.message },
      'program output pipe error',
    );
    this.onEnd();
  };

  private writeBatch(): void {
    if (this.batch.length === 0) return;
    this.output.sink?.write(this.batch);
    this.batch = '';
  }

  private mustWait(): boolean {
    return (this.output.sink?.needDrain ?? false) || this.relay.stdoutBacklogged();
  }
}
