// The bounded ring behind tails.
import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../../src/log/ring-buffer.js';

describe('RingBuffer', () => {
  it('keeps only the newest items, oldest first', () => {
    const ring = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i += 1) ring.push(i);
    expect(ring.size).toBe(3);
    expect(ring.last(10)).toEqual([3, 4, 5]);
    expect(ring.last(2)).toEqual([4, 5]);
    expect(ring.last(0)).toEqual([]);
    expect(ring.last(-1)).toEqual([]);
  });

  it('works before it is full', () => {
    const ring = new RingBuffer<string>(4);
    ring.push('a');
    ring.push('b');
    expect(ring.size).toBe(2);
    expect(ring.last(4)).toEqual(['a', 'b']);
  });

  it('returns the newest n at every wrap position', () => {
    for (let pushed = 0; pushed <= 12; pushed += 1) {
      const ring = new RingBuffer<number>(5);
      for (let i = 1; i <= pushed; i += 1) ring.push(i);
      for (let n = 0; n <= 6; n += 1) {
        const want = Math.min(n, pushed, 5);
        expect(ring.last(n)).toEqual(Array.from({ length: want }, (_, i) => pushed - want + 1 + i));
      }
    }
  });

  it('stays bounded over many wraps', () => {
    const ring = new RingBuffer<number>(1000);
    for (let i = 0; i < 100_000; i += 1) ring.push(i);
    expect(ring.size).toBe(1000);
    const all = ring.last(5000);
    expect(all).toHaveLength(1000);
    expect(all[0]).toBe(99_000);
    expect(all[999]).toBe(99_999);
  });

  it('holds nothing with capacity 0, and clears', () => {
    const empty = new RingBuffer<number>(0);
    empty.push(1);
    expect(empty.last(1)).toEqual([]);
    const ring = new RingBuffer<number>(2);
    ring.push(1);
    ring.clear();
    expect(ring.size).toBe(0);
    expect(ring.last(2)).toEqual([]);
  });

  it('rejects a bad capacity', () => {
    expect(() => new RingBuffer(-1)).toThrow(RangeError);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
  });
});
