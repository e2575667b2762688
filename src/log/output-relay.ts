// Delivers every line the children print: to apposd's stdout as a pino record, to the
// program's rotating file, to its tail (bounded in bytes) and to followers. A child's pipe is
// paused while its file is backed up, or while stdout is briefly slow; a stdout that stays
// blocked (nobody reads `docker logs`) no longer holds anything back: its lines are dropped and
// counted, and a notice says how many once it drains.
import type { OutputSink } from '../supervisor/api.js';
import type { LogApi, LogLine, StreamName } from './api.js';
import { Attachment, type AttachmentTarget, type RelayHost } from './attachment.js';
import { FileSink } from './file-sink.js';
import { type Logger, destinationOf } from './pino.js';
import { Tails } from './tails.js';

/** Bytes of output kept per program (and for tailAll) unless `tailBytes` says otherwise. */
export const DEFAULT_TAIL_BYTES = 1024 * 1024;

/** How long stdout may stay backed up (children paused) before it counts as blocked. */
export const STDOUT_STALL_MS = 5_000;

/** How long closeAll() waits for attached pipes to reach their end before closing files. */
const CLOSE_GRACE_MS = 1_000;

export interface OutputRelayOptions {
  /**
   * apposd's logger. When its destination reports a backlog (`writableNeedDrain` and 'drain',
   * as createLogger's does, or any Node Writable), children wait for it to drain, for at most
   * `stdoutStallMs`; after that their lines for stdout are dropped until it drains.
   */
  logger: Logger;
  /** Directory of the per-program files; absent means no files. */
  dir?: string;
  maxBytes: number;
  backups: number;
  /** Bytes kept per program for tails (half per stream), and for tailAll; default 1 MiB. */
  tailBytes?: number;
  /** Default STDOUT_STALL_MS. */
  stdoutStallMs?: number;
}

/** What the relay needs of a destination to wait on its backlog. */
interface Drainable {
  readonly writableNeedDrain: boolean;
  on(event: 'drain', listener: () => void): unknown;
}

interface Follower {
  readonly program: string | undefined;
  readonly stream: StreamName | undefined;
  readonly listener: (line: LogLine) => void;
}

/** Everything kept for one program besides its tail: its file and per-stream child loggers. */
interface ProgramOutput extends AttachmentTarget {
  readonly loggers: Partial<Record<StreamName, Logger>>;
}

/**
 * The children's output path: the supervisor's OutputSink and control's LogApi.
 * Construct once per daemon; `attach` each child's stdout and stderr after spawning it.
 */
export class OutputRelay implements OutputSink, LogApi {
  private readonly logger: Logger;
  private readonly programs = new Map<string, ProgramOutput>();
  private readonly tails: Tails;
  private readonly followers = new Set<Follower>();
  /** Attachments whose source is paused until stdout and their file drain. */
  private readonly waiting = new Set<Attachment>();
  private readonly active = new Set<Attachment>();
  private readonly stdout: Drainable | undefined;
  private filesClosed = false;
  private idleWaiters: (() => void)[] = [];
  /** Set while stdout is blocked: lines meant for it are dropped and counted here. */
  private blockedSince: number | null = null;
  private drops = new Map<string, number>();
  private stallTimer: NodeJS.Timeout | null = null;
  private readonly host: RelayHost = {
    stdoutBacklogged: () =>
      this.blockedSince === null && this.stdout !== undefined && this.stdout.writableNeedDrain,
    stdoutBlocked: () => this.blockedSince !== null,
    dropped: (program) => this.drops.set(program, (this.drops.get(program) ?? 0) + 1),
    publish: (program, stream, line, at) => this.publish(program, stream, line, at),
    paused: (attachment) => this.paused(attachment),
    finished: (attachment) => this.finished(attachment),
    debug: (fields, msg) => this.logger.debug(fields, msg),
  };

  constructor(private readonly opts: OutputRelayOptions) {
    this.logger = opts.logger;
    this.tails = new Tails(opts.tailBytes ?? DEFAULT_TAIL_BYTES);
    this.stdout = drainableOf(opts.logger);
    this.stdout?.on('drain', this.onStdoutDrain);
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
    return this.tails.tail(program, n, stream);
  }

  tailAll(n: number): LogLine[] {
    return this.tails.tailAll(n);
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
    this.tails.forget(program);
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
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.filesClosed = true;
    const closing: Promise<void>[] = [];
    for (const output of this.programs.values()) {
      if (output.sink !== undefined) closing.push(output.sink.close());
      output.sink = undefined;
    }
    await Promise.all(closing);
  }

  private publish(program: string, stream: StreamName, text: string, at: number): void {
    const line = this.tails.push(program, stream, text, at);
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

  /** A source paused; if stdout is what holds it, stdout gets STDOUT_STALL_MS to drain. */
  private paused(attachment: Attachment): void {
    this.waiting.add(attachment);
    this.armStall();
  }

  /**
   * Starts stdout's STDOUT_STALL_MS once it holds a waiting source back. Also called after a
   * file drained: a source paused for its file may find stdout backed up by then (the log
   * destination reports its backlog at the end of the event-loop turn), and without the timer
   * it would wait for a reader that may never come.
   */
  private armStall(): void {
    if (this.stallTimer !== null || !this.host.stdoutBacklogged()) return;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = null;
      if (!this.host.stdoutBacklogged()) return;
      this.blockedSince = Date.now();
      this.wake();
    }, this.opts.stdoutStallMs ?? STDOUT_STALL_MS);
    this.stallTimer.unref();
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

  /** stdout caught up: say what it missed while blocked, then let waiting children go on. */
  private readonly onStdoutDrain = (): void => {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = null;
    const since = this.blockedSince;
    if (since !== null) {
      this.blockedSince = null;
      const dropped = Object.fromEntries(this.drops);
      const total = [...this.drops.values()].reduce((a, b) => a + b, 0);
      this.drops = new Map();
      this.logger.warn(
        { dropped, total, blockedMs: Date.now() - since },
        `stdout was blocked: ${total} lines of program output were not written to it (the log files and tails have them)`,
      );
    }
    this.wake();
  };

  /** Resumes every paused source whose stdout and file are no longer backed up. */
  private readonly wake = (): void => {
    if (this.waiting.size === 0) return;
    for (const attachment of this.waiting) {
      if (attachment.resumeIfClear()) this.waiting.delete(attachment);
    }
    if (this.waiting.size > 0) this.armStall();
  };

  private output(program: string): ProgramOutput {
    let output = this.programs.get(program);
    if (output === undefined) {
      output = { name: program, sink: this.openSink(program), loggers: {} };
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

/** The logger's destination when it can report a backlog, else undefined. */
function drainableOf(logger: Logger): Drainable | undefined {
  const stream = destinationOf(logger);
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
