// Durations and sizes: parsing, rejection with hints, and formatting.
import { describe, expect, test } from 'vitest';
import {
  formatDuration,
  isDuration,
  isSize,
  parseDuration,
  parseSize,
} from '../../../src/config/units.js';

describe('parseDuration', () => {
  test.each([
    ['500ms', 500],
    ['8s', 8000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['0s', 0],
    ['1m30s', 90_000],
    [' 5s ', 5000],
  ])('%s -> %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test('a bare number is an error with a hint', () => {
    expect(() => parseDuration(5)).toThrow('write 5s');
  });

  test.each(['5', '5 s', 's', '5sec', '-1s', ''])('rejects %j', (text) => {
    expect(isDuration(text)).toBe(false);
    expect(() => parseDuration(text)).toThrow('expected a duration');
  });
});

describe('parseSize', () => {
  test.each([
    ['10MB', 10 * 1024 * 1024],
    ['512KB', 512 * 1024],
    ['1GB', 1024 ** 3],
    ['100B', 100],
    ['100', 100],
    [4096, 4096],
    ['1.5KB', 1536],
    ['10mb', 10 * 1024 * 1024],
    ['2MiB', 2 * 1024 * 1024],
    ['64K', 64 * 1024],
  ] as const)('%s -> %d bytes', (value, bytes) => {
    expect(isSize(value)).toBe(true);
    expect(parseSize(value)).toBe(bytes);
  });

  test.each(['10 XB', 'MB', '-1', '1TB'])('rejects %j', (text) => {
    expect(isSize(text)).toBe(false);
    expect(() => parseSize(text)).toThrow('expected a size');
  });

  test('rejects negative and fractional byte counts', () => {
    expect(() => parseSize(-1)).toThrow('expected a size');
    expect(() => parseSize(1.5)).toThrow('expected a size');
  });
});

test('formatDuration', () => {
  expect(formatDuration(500)).toBe('500ms');
  expect(formatDuration(8000)).toBe('8s');
  expect(formatDuration(1500)).toBe('1.5s');
  expect(formatDuration(120_000)).toBe('2m');
  expect(formatDuration(90_000)).toBe('1m30s');
});
