// Enforces http.max_body on request bodies of unknown length (chunked) while they stream:
// bytes are counted as they pass, and the first byte over the limit stops the flow.
import { Transform, type TransformCallback } from 'node:stream';

/** A pass-through that calls `onExceeded` once when more than `limit` bytes went through. */
export class BodyLimiter extends Transform {
  private seen = 0;
  private exceeded = false;

  constructor(
    private readonly limit: number,
    private readonly onExceeded: () => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.exceeded) {
      cb();
      return;
    }
    this.seen += chunk.length;
    if (this.seen > this.limit) {
      this.exceeded = true;
      this.onExceeded();
      cb();
      return;
    }
    cb(null, chunk);
  }
}
