// A fixed-capacity ring of the most recent items (the newest evicts the oldest): the memory
// behind tails of the children's output.

/** Keeps the last `capacity` items pushed; pushing never allocates once the ring is full. */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  /** Index the next push writes to. */
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`ring capacity must be a non-negative integer, got ${capacity}`);
    }
    this.items = new Array<T | undefined>(capacity).fill(undefined);
  }

  /** Number of items held (at most `capacity`). */
  get size(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.capacity === 0) return;
    this.items[this.head] = item;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    if (this.count < this.capacity) this.count += 1;
  }

  /** The newest `n` items (all of them when fewer are held), oldest first. */
  last(n: number): T[] {
    const want = Math.min(Math.max(0, Math.floor(n)), this.count);
    const out = new Array<T>(want);
    let index = this.head - want;
    if (index < 0) index += this.capacity;
    for (let i = 0; i < want; i += 1) {
      out[i] = this.items[index] as T;
      index = index + 1 === this.capacity ? 0 : index + 1;
    }
    return out;
  }

  /** Drops every item. */
  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.count = 0;
  }
}
