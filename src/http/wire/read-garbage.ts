// What a client's request body, a tunnel's traffic or a chunked answer leaves behind. Each read
// of a client's socket is a new buffer (wire/accept.ts copies it out of the read buffer all
// sockets share; the upstream sockets the hot path opens read into reused buffers,
// proxy/pool.ts), and so is each read of a tunnel's upstream and each chunk llhttp copies out of
// a chunked answer. Those buffers die young, but V8 collects the young generation for their sake
// only once 32 MiB of them piled up (twice its largest semi-space), and malloc keeps that
// high-water mark: a 64 MiB upload raised apposd's peak RSS by some 32 MB. A young-generation
// collection (~1 ms) every 4 MiB read, and at the end of a large body, bounds it. The collector
// is V8's `gc`, exposed to a context of its own (Node leaves V8's flags unfrozen after start, so
// that v8.setFlagsFromString works, in 20 and 22 alike).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Body bytes read between two collections. */
const COLLECT_EVERY_BYTES = 4 * 1024 * 1024;
/** At the end of a body at least this large, what it left is collected at once. */
export const LARGE_BODY_BYTES = 4 * 1024 * 1024;

type Collect = (options: { type: 'minor' }) => void;

/** Body bytes read since the last collection. */
let pending = 0;
/** V8's collector, null when it cannot be had; undefined until first needed. */
let collector: Collect | null | undefined;

function collectorOf(): Collect | null {
  if (collector === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc: unknown = runInNewContext('gc');
      collector = typeof gc === 'function' ? (gc as Collect) : null;
    } catch {
      collector = null;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  return collector;
}

/** Collects the young generation (the reads of bodies relayed so far) now. */
export function collectReads(): void {
  pending = 0;
  collectorOf()?.({ type: 'minor' });
}

/**
 * Counts `bytes` of a body read from a client, relayed by a tunnel (proxy/relay.ts) or copied out
 * of a chunked answer (proxy/pool.ts); collects every {@link COLLECT_EVERY_BYTES}.
 */
export function bodyRead(bytes: number): void {
  pending += bytes;
  if (pending >= COLLECT_EVERY_BYTES) collectReads();
}
