// did-you-mean: close typos are suggested, unrelated words are not.
import { expect, test } from 'vitest';
import { didYouMean, didYouMeanSuffix, nearest } from '../../../src/config/suggest.js';

test('suggests the closest candidate for plausible typos', () => {
  expect(didYouMean('redsi', ['redis', 'pocketbase', 'backend'])).toBe('redis');
  expect(didYouMean('shutdwon_timeout', ['shutdown_timeout', 'log'])).toBe('shutdown_timeout');
  expect(didYouMean('TREM', ['TERM', 'INT'])).toBe('TERM');
  expect(didYouMean('Backend', ['backend'])).toBe('backend');
  expect(didYouMean('lgo', ['log', 'http'])).toBe('log');
});

test('no suggestion for unrelated or very short words', () => {
  expect(didYouMean('postgres', ['redis', 'backend'])).toBeUndefined();
  expect(didYouMean('db', ['web'])).toBeUndefined();
  expect(didYouMean('x', [])).toBeUndefined();
  expect(didYouMeanSuffix('postgres', ['redis'])).toBe('');
  expect(didYouMeanSuffix('redsi', ['redis'])).toBe(' (did you mean "redis"?)');
});

test('nearest gives the closest candidate and its distance, or nothing without candidates', () => {
  expect(nearest('reddis', ['redis', 'backend'])).toEqual({ name: 'redis', distance: 1 });
  expect(nearest('Redis', ['redis'])).toEqual({ name: 'redis', distance: 1 });
  expect(nearest('x', [])).toBeUndefined();
});
