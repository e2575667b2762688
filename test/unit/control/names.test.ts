// Which programs a control request means (all, start order, did-you-mean) and the validation
// of its inputs.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/control/api-error.js';
import { selectPrograms, suggest } from '../../../src/control/names.js';
import { actionBody, integer, signalName, stringList } from '../../../src/control/request.js';

const ORDER = ['redis', 'pocketbase', 'backend'];

describe('selectPrograms', () => {
  it('expands all and sorts named programs into start order', () => {
    expect(selectPrograms(['all'], ORDER)).toEqual(ORDER);
    expect(selectPrograms(['backend', 'redis', 'backend'], ORDER)).toEqual(['redis', 'backend']);
  });

  it('refuses unknown names with suggestions', () => {
    let err: unknown;
    try {
      selectPrograms(['bakend', 'redis', 'xyzzy'], ORDER);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 404,
      code: 'APPOS_ERR_UNKNOWN_PROGRAM',
      message: 'no such program: bakend (did you mean backend?); no such program: xyzzy',
      unknown: [
        { name: 'bakend', suggestion: 'backend' },
        { name: 'xyzzy', suggestion: null },
      ],
    });
  });

  it('suggests only close names', () => {
    expect(suggest('pocketbse', ORDER)).toBe('pocketbase');
    expect(suggest('nginx', ORDER)).toBeNull();
    expect(suggest('x', [])).toBeNull();
  });
});

describe('request validation', () => {
  it('reads repeated and single query values', () => {
    expect(stringList(undefined, 'name')).toEqual([]);
    expect(stringList('a', 'name')).toEqual(['a']);
    expect(stringList(['a', 'b'], 'name')).toEqual(['a', 'b']);
    expect(() => stringList([''], 'name')).toThrow('name must be a non-empty string');
    expect(integer(undefined, 'lines', 10)).toBe(10);
    expect(integer('5', 'lines', 10)).toBe(5);
    expect(() => integer('5x', 'lines', 10)).toThrow('lines must be an integer from 0 to 100000');
  });

  it('validates action bodies', () => {
    expect(actionBody({ names: ['all'], timeout_ms: 500 })).toEqual({
      names: ['all'],
      timeoutMs: 500,
    });
    expect(() => actionBody(null)).toThrow('the body must be a JSON object');
    expect(() => actionBody({ names: 'redis' })).toThrow('names must be a non-empty list');
    expect(() => actionBody({ names: ['redis'], timeout_ms: -1 })).toThrow('timeout_ms');
  });

  it('accepts signals by name, with or without SIG, and by number', () => {
    expect(signalName('HUP')).toBe('SIGHUP');
    expect(signalName('sigusr1')).toBe('SIGUSR1');
    expect(signalName('15')).toBe('SIGTERM');
    expect(() => signalName('NOPE')).toThrow('unknown signal: NOPE');
    expect(() => signalName('999')).toThrow('unknown signal: 999');
  });
});
