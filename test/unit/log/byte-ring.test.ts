// The byte-bounded ring behind the tails: never holds more than its capacity, keeps the newest.
import { describe, expect, it } from 'vitest';
import { ByteRing } from '../../../src/log/byte-ring.js';

describe('ByteRing', () => {
  it('keeps the newest items whose sizes fit the capacity', () => {
    const ring = new ByteRing<string>(10, (s) => s.length);
    for (const s of ['aaaa', 'bbb', 'cc', 'dddd']) ring.push(s);
    expect(ring.last(10)).toEqual(['bbb', 'cc', 'dddd']);
    expect(ring.bytes).toBe(9);
    expect(ring.last(2)).toEqual(['cc', 'dddd']);
  });

  it('skips an item larger than the whole capacity', () => {
    const ring = new ByteRing<string>(4, (s) => s.length);
    ring.push('ab');
    ring.push('abcdefgh');
    expect(ring.last(5)).toEqual(['ab']);
  });

  it('never holds more than its capacity, and always the newest suffix', () => {
    let seed = 7;
    const next = (max: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % (max + 1);
    };
    for (let round = 0; round < 200; round++) {
      const cap = next(500);
      const sizes = Array.from({ length: next(3000) }, () => next(120));
      const ring = new ByteRing<number>(cap, (n) => n);
      sizes.forEach((n) => ring.push(n));
      expect(ring.bytes).toBeLessThanOrEqual(cap);
      const kept = ring.last(Infinity);
      expect(kept.reduce((a, b) => a + b, 0)).toBe(ring.bytes);
      const fitting = sizes.filter((n) => n <= cap);
      expect(kept).toEqual(fitting.slice(fitting.length - kept.length));
      const older = fitting[fitting.length - kept.length - 1];
      if (older !== undefined) expect(ring.bytes + older).toBeGreaterThan(cap);
    }
  });

  it('rejects a bad capacity', () => {
    expect(() => new ByteRing(-1, () => 0)).toThrow(RangeError);
    expect(() => new ByteRing(1.5, () => 0)).toThrow(RangeError);
  });
});
