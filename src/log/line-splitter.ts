// Splits a child's byte stream into text lines: partial lines carried across chunks, `\n` and
// `\r\n` endings, a final unterminated line on end(), and lines cut at a byte cap (utf-8 safe).

/** The longest piece of a line delivered at once; longer lines are cut into pieces. */
export const MAX_LINE_BYTES = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/** True for a utf-8 continuation byte (10xxxxxx), which never starts a character. */
function isContinuation(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}

/**
 * Turns chunks of bytes into lines and hands each to `onLine` (without its line ending).
 * Memory stays bounded: at most `maxLineBytes + 1` bytes of an unfinished line are kept.
 * Splitting on the byte `\n` never cuts a utf-8 character, and lines are decoded only once
 * complete, so multi-byte characters split across chunks come out whole.
 */
export class LineSplitter {
  private readonly max: number;
  /** Bytes of the unfinished line; allocated on first need, capacity max + 1. */
  private pending: Buffer | undefined;
  private pendingLen = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    maxLineBytes: number = MAX_LINE_BYTES,
  ) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 4) {
      throw new RangeError(`maxLineBytes must be an integer >= 4, got ${maxLineBytes}`);
    }
    this.max = maxLineBytes;
  }

  /** Feeds one chunk; calls `onLine` for every line it completes. */
  push(chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const size = buf.length;
    let start = 0;
    while (start < size) {
      const nl = buf.indexOf(LF, start);
      if (nl === -1) {
        this.append(buf, start, size);
        return;
      }
      if (this.pendingLen === 0 && nl - start <= this.max) {
        const end = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
        this.onLine(buf.toString('utf8', start, end));
      } else {
        this.append(buf, start, nl);
        this.finishLine();
      }
      start = nl + 1;
    }
  }

  /** Delivers a final line that had no line ending, if any. */
  end(): void {
    if (this.pendingLen > 0) this.finishLine();
  }

  /** Copies buf[from, to) into the pending line, emitting pieces whenever it is full. */
  private append(buf: Buffer, from: number, to: number): void {
    let pending = this.pending;
    if (pending === undefined) {
      pending = Buffer.allocUnsafe(this.max + 1);
      this.pending = pending;
    }
    let at = from;
    for (;;) {
      const room = pending.length - this.pendingLen;
      const n = Math.min(room, to - at);
      buf.copy(pending, this.pendingLen, at, at + n);
      this.pendingLen += n;
      at += n;
      if (at >= to) return;
      this.emitPiece(pending);
    }
  }

  /** Emits the pending bytes as one line (in pieces when too long) and resets. */
  private finishLine(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    if (this.pendingLen > 0 && pending[this.pendingLen - 1] === CR) this.pendingLen -= 1;
    if (this.pendingLen > this.max) this.emitPiece(pending);
    this.onLine(pending.toString('utf8', 0, this.pendingLen));
    this.pendingLen = 0;
  }

  /**
   * Emits the first at most `max` bytes of a full pending buffer, ending before a character
   * boundary (a utf-8 character has at most 3 continuation bytes), and keeps the rest.
   */
  private emitPiece(pending: Buffer): void {
    let cut = this.max;
    while (cut > this.max - 3 && isContinuation(pending[cut])) cut -= 1;
    if (isContinuation(pending[cut])) cut = this.max;
    this.onLine(pending.toString('utf8', 0, cut));
    pending.copyWithin(0, cut, this.pendingLen);
    this.pendingLen -= cut;
  }
}
