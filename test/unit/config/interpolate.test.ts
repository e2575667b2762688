// Compose-style interpolation of one string, with the environment passed in.
import { describe, expect, test } from 'vitest';
import { interpolate } from '../../../src/config/interpolate.js';

const env = { SET: 'value', EMPTY: '', PORT: '6379' };
const value = (text: string): string => interpolate(text, env).value;

describe('interpolate', () => {
  test('plain text and literal dollars', () => {
    expect(value('no variables')).toBe('no variables');
    expect(value('cost: $$5')).toBe('cost: $5');
    expect(value('$${SET}')).toBe('${SET}');
    expect(value('trailing $')).toBe('trailing $');
    expect(value('a $ b')).toBe('a $ b');
  });

  test('${VAR} and $VAR', () => {
    expect(value('${SET}')).toBe('value');
    expect(value('--port=${PORT}!')).toBe('--port=6379!');
    expect(value('$SET/x')).toBe('value/x');
  });

  test('an unset ${VAR} becomes empty and is reported as unset', () => {
    const r = interpolate('a${NOPE}b', env);
    expect(r.value).toBe('ab');
    expect(r.unset).toEqual(['NOPE']);
    expect(r.problems).toEqual([]);
  });

  test('${VAR:-default} covers unset and empty; ${VAR-default} only unset', () => {
    expect(value('${NOPE:-d}')).toBe('d');
    expect(value('${EMPTY:-d}')).toBe('d');
    expect(value('${SET:-d}')).toBe('value');
    expect(value('${NOPE-d}')).toBe('d');
    expect(value('${EMPTY-d}')).toBe('');
    expect(interpolate('${NOPE:-d}', env).unset).toEqual([]);
  });

  test('defaults may hold colons, slashes and nested variables', () => {
    expect(value('${NOPE:-0.0.0.0:80}')).toBe('0.0.0.0:80');
    expect(value('${NOPE:-/appos/data}/redis')).toBe('/appos/data/redis');
    expect(value('${NOPE:-${SET}-x}')).toBe('value-x');
    expect(value('${NOPE:-${ALSO_NOPE:-deep}}')).toBe('deep');
  });

  test('${VAR:+alt} and ${VAR+alt}', () => {
    expect(value('${SET:+yes}')).toBe('yes');
    expect(value('${EMPTY:+yes}')).toBe('');
    expect(value('${EMPTY+yes}')).toBe('yes');
    expect(value('${NOPE+yes}')).toBe('');
  });

  test('${VAR:?message} is a problem when unset or empty, with the message', () => {
    expect(interpolate('${NOPE:?set NOPE please}', env).problems).toEqual([
      'required variable NOPE is not set: set NOPE please',
    ]);
    expect(interpolate('${EMPTY:?needed}', env).problems).toEqual([
      'required variable EMPTY is empty: needed',
    ]);
    expect(interpolate('${SET:?needed}', env)).toEqual({ value: 'value', problems: [], unset: [] });
  });

  test('${VAR?message} is a problem only when unset', () => {
    expect(interpolate('${EMPTY?m}', env).problems).toEqual([]);
    expect(interpolate('${NOPE?}', env).problems).toEqual(['required variable NOPE is not set']);
  });

  test('problems never contain values', () => {
    const secret = { TOKEN: 'hunter2' };
    const r = interpolate('${TOKEN:?x} ${MISSING:?y} ${bad name}', secret);
    expect(r.problems.join('\n')).not.toContain('hunter2');
    expect(r.problems).toHaveLength(2);
  });

  test('malformed references are problems', () => {
    expect(interpolate('${', env).problems[0]).toContain('unclosed "${"');
    expect(interpolate('x ${SET', env).problems[0]).toContain('unclosed');
    expect(interpolate('${1X}', env).problems[0]).toContain('invalid interpolation');
    expect(interpolate('${}', env).problems[0]).toContain('invalid interpolation');
  });
});
