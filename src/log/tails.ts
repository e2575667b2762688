// The in-memory tails of the children's output, bounded in bytes (`log.tail_bytes`): per
// program, half for each stream (a chatty stdout cannot evict every stderr line), merged in
// arrival order for a program's combined tail; and one ring across all programs for tailAll.
import type { LogLine, StreamName } from './api.js';
import { ByteRing } from './byte-ring.js';

/** What a line costs in a tail: its text plus this much for its record. */
export const LINE_OVERHEAD_BYTES = 64;

interface Entry {
  /** Arrival order across every program and stream. */
  readonly seq: number;
  readonly line: LogLine;
}

const sizeOf = (e: Entry): number => e.line.line.length + LINE_OVERHEAD_BYTES;

type Rings = Record<StreamName, ByteRing<Entry>>;

/** The tails of every program, each at most `tailBytes` (text length plus a per-line overhead). */
export class Tails {
  private readonly programs = new Map<string, Rings>();
  private readonly all: ByteRing<Entry>;
  private seq = 0;

  constructor(readonly tailBytes: number) {
    this.all = new ByteRing<Entry>(tailBytes, sizeOf);
  }

  /** Records one line; returns it. */
  push(program: string, stream: StreamName, text: string, at: number): LogLine {
    const line: LogLine = { program, stream, line: text, at };
    const entry: Entry = { seq: ++this.seq, line };
    this.rings(program)[stream].push(entry);
    this.all.push(entry);
    return line;
  }

  /** The last `n` lines of one program (both streams in arrival order unless `stream`). */
  tail(program: string, n: number, stream?: StreamName): LogLine[] {
    const rings = this.programs.get(program);
    if (rings === undefined) return [];
    if (stream !== undefined) return rings[stream].last(n).map((e) => e.line);
    const out = rings.stdout.last(n);
    const err = rings.stderr.last(n);
    // Merge the two newest-n lists, then keep the newest n of the merge.
    const merged: Entry[] = [];
    let i = 0;
    let j = 0;
    while (i < out.length || j < err.length) {
      const a = out[i];
      const b = err[j];
      if (b === undefined || (a !== undefined && a.seq < b.seq)) {
        merged.push(a as Entry);
        i += 1;
      } else {
        merged.push(b);
        j += 1;
      }
    }
    return merged.slice(Math.max(0, merged.length - Math.max(0, Math.floor(n)))).map((e) => e.line);
  }

  /** The last `n` lines of all programs, in arrival order. */
  tailAll(n: number): LogLine[] {
    return this.all.last(n).map((e) => e.line);
  }

  /** Forgets a removed program's tail. */
  forget(program: string): void {
    this.programs.delete(program);
  }

  private rings(program: string): Rings {
    let rings = this.programs.get(program);
    if (rings === undefined) {
      const half = Math.floor(this.tailBytes / 2);
      rings = { stdout: new ByteRing(half, sizeOf), stderr: new ByteRing(half, sizeOf) };
      this.programs.set(program, rings);
    }
    return rings;
  }
}
