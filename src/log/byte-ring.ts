// A ring of the most recent items bounded by their total size in bytes (the newest evicts the
// oldest): the memory behind the tails of the children's output (`log.tail_bytes`).

/**
 * Keeps the newest items whose sizes add up to at most `capacity` bytes. An item larger than
 * the whole capacity is not kept (it would evict everything and still not fit).
 */
export class ByteRing<T> {
  /** Live items are items[head..]; the dead prefix is compacted away now and then. */
  private items: T[] = [];
  private sizes: number[] = [];
  private head = 0;
  private used = 0;

  constructor(
    readonly capacity: number,
    private readonly sizeOf: (item: T) => number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`ring capacity must be a non-negative integer, got ${capacity}`);
    }
  }

  /** Number of items held. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Total size of the items held, in bytes (never above `capacity`). */
  get bytes(): number {
    return this.used;
  }

  push(item: T): void {
    const size = this.sizeOf(item);
    if (size > this.capacity) return;
    this.items.push(item);
    this.sizes.push(size);
    this.used += size;
    while (this.used > this.capacity) {
      this.used -= this.sizes[this.head] as number;
      (this.items as (T | undefined)[])[this.head] = undefined;
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }

  /** The newest `n` items (all of them when fewer are held), oldest first. */
  last(n: number): T[] {
    const want = Math.min(Math.max(0, Math.floor(n)), this.size);
    return this.items.slice(this.items.length - want);
  }

  /** Drops every item. */
  clear(): void {
    this.items = [];
    this.sizes = [];
    this.head = 0;
    this.used = 0;
  }
}
