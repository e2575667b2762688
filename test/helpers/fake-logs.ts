// An in-memory LogApi for tests of the control socket and appos-ctl: the test appends lines,
// tails read them back, and follows are live.
import type { LogApi, LogLine, StreamName } from '../../src/log/api.js';

/** A log store the test appends to; follows are live. */
export class FakeLogs implements LogApi {
  readonly lines: LogLine[] = [];
  private readonly followers = new Set<{
    program: string | undefined;
    stream: StreamName | undefined;
    listener: (line: LogLine) => void;
  }>();

  /** How many follows are open right now. */
  get followerCount(): number {
    return this.followers.size;
  }

  append(program: string, stream: StreamName, line: string): void {
    const entry = { program, stream, line, at: Date.now() };
    this.lines.push(entry);
    for (const f of this.followers) {
      if ((f.program ?? program) === program && (f.stream ?? stream) === stream) f.listener(entry);
    }
  }

  tail(program: string, n: number, stream?: StreamName): LogLine[] {
    const mine = this.lines.filter(
      (l) => l.program === program && (stream === undefined || l.stream === stream),
    );
    return n === 0 ? [] : mine.slice(-n);
  }

  tailAll(n: number): LogLine[] {
    return n === 0 ? [] : this.lines.slice(-n);
  }

  follow(
    program: string | undefined,
    stream: StreamName | undefined,
    listener: (line: LogLine) => void,
  ): () => void {
    const f = { program, stream, listener };
    this.followers.add(f);
    return () => this.followers.delete(f);
  }
}
