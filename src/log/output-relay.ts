// Delivers every line the children print: to apposd's stdout as a pino record, to the
// program's rotating file, to its tail ring and to followers. A child's pipe is paused while
// stdout or the file is backed up, so a flood slows the child instead of growing apposd.
import pino, { type Logger } from 'pino';
import type { OutputSink } from '../supervisor/api.js';
import type { LogApi, LogLine, StreamName } from './api.js';
import { FileSink } from './file-sink.js';
import { LineSplitter } from './line-splitter.js';
import { RingBuffer } from './ring-buffer.js';

/** Lines kept per program (and for tailAll) unless `ringSize` says otherwise. */
export const DEFAULT_RING_SIZE = 1000;

/** How long closeAll() waits for attached pipes to reach their end before closing files. */
const CLOSE_GRACE_MS = 1_000;

export interface OutputRelayOptions {
  /**
   * apposd's logger. When its destination reports a backlog (`writableNeedDrain` and 'drain',
   * as createLogger's does, or any Node Writable), children are paused until it drains.
   */
  logger: Logger;
  /** Directory of the per-program files; absent means no files. */
  dir?: string;
  maxBytes: number;
  backups: number;
  /** Lines kept per program and stream for tails, and for tailAll; default 1000. */
  ringSize?: number;
}

/** What the relay needs of a destination to wait on its backlog. */
interface Drainable {
  readonly writableNeedDrain: boolean;
  on(event: 'drain', listener: () => void): unknown;
}

/** What an attachment asks of its relay. */
interface RelayHost {
  /** True while apposd's stdout has more queued than its high-water mark. */
  stdoutBacklogged(): boolean;
  /** Records a delivered line for tailAll and hands it to matching followers. */
  publish(line: LogLine): void;
  /** The attachment paused its source; call resumeIfClear() on every drain. */
  paused(attachment: Attachment): void;
  /** The attachment's source ended. */
  finished(attachment: Attachment): void;
  debug(fields: object, msg: string): void;
}

interface Follower {
  readonly program: string | undefined;
  readonly stream: StreamName | undefined;
  readonly listener: (line: LogLine) => void;
}

/** Everything kept for one program: its tail rings, file and per-stream child loggers. */
interface ProgramOutput {
  readonly name: string;
  /** Both streams in arrival order. */
  readonly ring: RingBuffer<LogLine>;
  /** Each stream on its own, so a chatty stdout cannot evict every stderr line. */
  readonly streams: Record<StreamName, RingBuffer<LogLine>>;
  sink: FileSink | undefined;
  readonly loggers: Partial<Record<StreamName, Logger>>;
}

/**
 * The children's output path: the supervisor's OutputSink and control's LogApi.
 * Construct once per daemon; `attach` each child's stdout and stderr after spawning it.
 */
export class OutputRelay implements OutputSink, LogApi {
  private readonly logger: Logger;
  private readonly ringSize: number;
  private readonly programs = new Map<string, ProgramOutput>();
  private readonly all: RingBuffer<LogLine>;
  private readonly followers = new Set<Follower>();
  /** Attachments whose source is paused until stdout and their file drain. */
  private readonly waiting = new Set<Attachment>();
  private readonly active = new Set<Attachment>();
  private readonly stdout: Drainable | undefined;
  private filesClosed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly host: RelayHost = {
    stdoutBacklogged: () => this.stdout !== undefined && this.stdout.writableNeedDrain,
    publish: (line) => this.publish(line),
    paused: (attachment) => this.waiting.add(attachment),
    finished: (attachment) => this.finished(attachment),
    debug: (fields, msg) => this.logger.debug(fields, msg),
  };

  constructor(private readonly opts: OutputRelayOptions) {
    this.logger = opts.logger;
    this.ringSize = opts.ringSize ?? DEFAULT_RING_SIZE;
    this.all = new RingBuffer<LogLine>(this.ringSize);
    this.stdout = drainableOf(opts.logger);
    this.stdout?.on('drain', this.wake);
  }

  /** Reads `source` to its end, delivering every line; never throws. */
  attach(program: string, stream: StreamName, source: NodeJS.ReadableStream): void {
    try {
      const output = this.output(program);
      let log = output.loggers[stream];
      if (log === undefined) {
        // Output lines are always relayed (at info, whatever apposd's own level), and they are
        // plain strings: redaction has no fields to censor here, only per-line cost.
        log = this.logger.child({ program, stream }, { level: 'info', redact: [] });
        output.loggers[stream] = log;
      }
      const attachment = new Attachment(this.host, output, stream, source, log);
      this.active.add(attachment);
      attachment.start();
    } catch (err) {
      this.logger.debug({ program, stream, err: errorText(err) }, 'cannot relay program output');
      // Keep the child from blocking on a full pipe: read and discard.
      try {
        source.resume();
      } catch {
        // nothing more to do for a source that cannot even be resumed
      }
    }
  }

  tail(program: string, n: number, stream?: StreamName): LogLine[] {
    const output = this.programs.get(program);
    if (output === undefined) return [];
    return (stream === undefined ? output.ring : output.streams[stream]).last(n);
  }

  tailAll(n: number): LogLine[] {
    return this.all.last(n);
  }

  follow(
    program: string | undefined,
    stream: StreamName | undefined,
    listener: (line: LogLine) => void,
  ): () => void {
    const follower: Follower = { program, stream, listener };
    this.followers.add(follower);
    return () => {
      this.followers.delete(follower);
    };
  }

  /** Closes a removed program's file and forgets its tail; a later attach starts afresh. */
  async close(program: string): Promise<void> {
    const output = this.programs.get(program);
    if (output === undefined) return;
    this.programs.delete(program);
    const sink = output.sink;
    output.sink = undefined;
    await sink?.close();
  }

  /**
   * For shutdown, once the children have exited: waits (up to `graceMs`) for their pipes to
   * be read to the end, then closes every file. Output arriving later still reaches stdout
   * and the tails, but no file.
   */
  async closeAll(graceMs: number = CLOSE_GRACE_MS): Promise<void> {
    if (this.active.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        timer.unref();
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.filesClosed = true;
    const closing: Promise<void>[] = [];
    for (const output of this.programs.values()) {
      if (output.sink !== undefined) closing.push(output.sink.close());
      output.sink = undefined;
    }
    await Promise.all(closing);
  }

  private publish(line: LogLine): void {
    this.all.push(line);
    if (this.followers.size === 0) return;
    for (const follower of this.followers) {
      if (follower.program !== undefined && follower.program !== line.program) continue;
      if (follower.stream !== undefined && follower.stream !== line.stream) continue;
      try {
        follower.listener(line);
      } catch (err) {
        this.logger.debug({ program: line.program, err: errorText(err) }, 'log follower failed');
      }
    }
  }

  private finished(attachment: Attachment): void {
    this.waiting.delete(attachment);
    this.active.delete(attachment);
    if (this.active.size === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Resumes every paused source whose stdout and file are no longer backed up. */
  private readonly wake = (): void => {
    if (this.waiting.size === 0) return;
    for (const attachment of this.waiting) {
      if (attachment.resumeIfClear()) this.waiting.delete(attachment);
    }
  };

  private output(program: string): ProgramOutput {
    let output = this.programs.get(program);
    if (output === undefined) {
      output = {
        name: program,
        ring: new RingBuffer<LogLine>(this.ringSize),
        streams: {
          stdout: new RingBuffer<LogLine>(this.ringSize),
          stderr: new RingBuffer<LogLine>(this.ringSize),
        },
        sink: this.openSink(program),
        loggers: {},
      };
      this.programs.set(program, output);
    }
    return output;
  }

  private openSink(program: string): FileSink | undefined {
    const { dir, maxBytes, backups } = this.opts;
    if (dir === undefined || this.filesClosed) return undefined;
    try {
      const sink = new FileSink({ dir, program, maxBytes, backups, logger: this.logger });
      sink.on('drain', this.wake);
      return sink;
    } catch (err) {
      this.logger.warn({ program, err: errorText(err) }, 'cannot open the program log file');
      return undefined;
    }
  }
}

/** One child stream being read: splits it and delivers each line, pausing on backlog. */
class Attachment {
  private readonly splitter: LineSplitter;
  /** The program's ring for this stream. */
  private readonly ring: RingBuffer<LogLine>;
  /** Epoch ms the chunk being split was read. */
  private at = 0;
  /** The current chunk's lines for the file, written in one go after the chunk. */
  private batch = '';
  private toFile = false;
  private paused = false;
  private done = false;

  constructor(
    private readonly relay: RelayHost,
    private readonly output: ProgramOutput,
    private readonly stream: StreamName,
    private readonly source: NodeJS.ReadableStream,
    private readonly log: Logger,
  ) {
    this.splitter = new LineSplitter(this.onLine);
    this.ring = output.streams[stream];
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
    this.log.info(line);
    if (this.toFile) this.batch += line + '\n';
    const entry: LogLine = { program: this.output.name, stream: this.stream, line, at: this.at };
    this.output.ring.push(entry);
    this.ring.push(entry);
    this.relay.publish(entry);
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

/** The logger's destination when it can report a backlog, else undefined. */
function drainableOf(logger: Logger): Drainable | undefined {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];
  if (typeof stream !== 'object' || stream === null) return undefined;
  const candidate = stream as Partial<Drainable>;
  if (typeof candidate.writableNeedDrain !== 'boolean' || typeof candidate.on !== 'function') {
    return undefined;
  }
  return candidate as Drainable;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
