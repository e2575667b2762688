// What the rest of apposd (control/) may ask of the log room: tails and follows of the
// children's output, kept in a bounded in-memory ring per program.
import type { StreamName } from '../wire/shapes.js';

export type { StreamName } from '../wire/shapes.js';

export interface LogLine {
  readonly program: string;
  readonly stream: StreamName;
  /** The line without its trailing newline. */
  readonly line: string;
  /** Epoch ms the line was read. */
  readonly at: number;
}

export interface LogApi {
  /** The last `n` lines of one program (both streams interleaved unless `stream` is given). */
  tail(program: string, n: number, stream?: StreamName): LogLine[];
  /** The last `n` lines of all programs, interleaved in arrival order. */
  tailAll(n: number): LogLine[];
  /** Calls `listener` for every new line (of one program, or all when `program` is undefined). */
  follow(
    program: string | undefined,
    stream: StreamName | undefined,
    listener: (line: LogLine) => void,
  ): () => void;
}
