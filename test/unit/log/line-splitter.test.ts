// The line splitter: partial lines, CRLF, long lines, utf-8 across chunks, final line.
import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE_BYTES } from '../../../src/log/line-splitter.js';

/** Feeds `chunks` through a splitter and returns every line it produced. */
function split(chunks: (Buffer | string)[], max?: number): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), max);
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return lines;
}

/** Every way of cutting `text` into two chunks. */
function everyCut(text: string): Buffer[][] {
  const bytes = Buffer.from(text, 'utf8');
  const cuts: Buffer[][] = [];
  for (let at = 0; at <= bytes.length; at += 1) {
    cuts.push([bytes.subarray(0, at), bytes.subarray(at)]);
  }
  return cuts;
}

describe('LineSplitter', () => {
  it('splits lines and carries a partial line across chunks', () => {
    expect(split(['one\ntw', 'o\nthr', 'ee', '\n'])).toEqual(['one', 'two', 'three']);
  });

  it('keeps empty lines and strips \\r only before \\n', () => {
    expect(split(['a\r\n\r\n\nb\rc\r\n'])).toEqual(['a', '', '', 'b\rc']);
  });

  it('handles \\r\\n split across chunks', () => {
    expect(split(['first\r', '\nsecond\r', '\n'])).toEqual(['first', 'second']);
  });

  it('emits a final line without a newline at end, and nothing more', () => {
    expect(split(['x\ny'])).toEqual(['x', 'y']);
    expect(split(['x\n'])).toEqual(['x']);
    expect(split([])).toEqual([]);
  });

  it('decodes multi-byte characters split at every byte position', () => {
    const text = 'héllo €uro 😀 done\nnext ü\n';
    for (const chunks of everyCut(text)) {
      expect(split(chunks)).toEqual(['héllo €uro 😀 done', 'next ü']);
    }
  });

  it('decodes characters fed one byte at a time', () => {
    const bytes = Buffer.from('añ😀\n€', 'utf8');
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    expect(split(chunks)).toEqual(['añ😀', '€']);
  });

  it('accepts string chunks', () => {
    expect(split(['ab\nc', 'd'])).toEqual(['ab', 'cd']);
  });

  it('cuts a long line into pieces of at most the cap, losing nothing', () => {
    const long = 'a'.repeat(MAX_LINE_BYTES * 2 + 10);
    const lines = split([`${long}\nafter\n`]);
    expect(lines.map((l) => l.length)).toEqual([MAX_LINE_BYTES, MAX_LINE_BYTES, 10, 5]);
    expect(lines.slice(0, 3).join('')).toBe(long);
  });

  it('cuts a long line arriving in small chunks without growing past the cap', () => {
    const max = 64;
    const long = 'b'.repeat(300);
    const chunks = long.match(/.{1,7}/g) ?? [];
    const lines = split([...chunks, '\n'], max);
    expect(lines.every((l) => Buffer.byteLength(l) <= max)).toBe(true);
    expect(lines.join('')).toBe(long);
  });

  it('never cuts a utf-8 character when cutting a long line', () => {
    const max = 16;
    const long = '€'.repeat(40);
    for (const chunks of [[long + '\n'], long.split('').concat('\n')]) {
      const lines = split(chunks, max);
      expect(lines.join('')).toBe(long);
      for (const line of lines) {
        expect(Buffer.byteLength(line)).toBeLessThanOrEqual(max);
        expect(line).not.toContain('\ufffd');
      }
    }
  });

  it('does not make an empty piece of a line exactly at the cap with \\r\\n', () => {
    const max = 16;
    const exact = 'c'.repeat(max);
    expect(split([exact + '\r', '\n'], max)).toEqual([exact]);
    expect(split([exact, '\r\n'], max)).toEqual([exact]);
    expect(split([exact + '\r\n'], max)).toEqual([exact]);
    expect(split([exact + 'd\r\n'], max)).toEqual([exact, 'd']);
  });

  it('cuts a long final line without a newline too', () => {
    const lines = split(['z'.repeat(40)], 16);
    expect(lines).toEqual(['z'.repeat(16), 'z'.repeat(16), 'z'.repeat(8)]);
  });

  it('rejects a nonsensical cap', () => {
    expect(() => new LineSplitter(() => {}, 2)).toThrow(RangeError);
  });
});
