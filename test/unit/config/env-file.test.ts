// env_file parsing: KEY=VALUE, comments, blanks, quotes, export prefix.
import { expect, test } from 'vitest';
import { parseEnvFile } from '../../../src/config/env-file.js';

test('parses KEY=VALUE lines with comments, quotes and export', () => {
  const text = [
    '# a comment',
    '',
    'A=1',
    'export B="two words"',
    "C='single $quoted'",
    'D="line\\nbreak \\"q\\""',
    'E=plain # trailing comment',
    'F=',
    '  G = spaced  ',
    'H=a=b',
  ].join('\n');
  expect(parseEnvFile(text)).toEqual({
    vars: {
      A: '1',
      B: 'two words',
      C: 'single $quoted',
      D: 'line\nbreak "q"',
      E: 'plain',
      F: '',
      G: 'spaced',
      H: 'a=b',
    },
    problems: [],
  });
});

test('reports bad lines by number without their values', () => {
  const result = parseEnvFile('OK=1\nnot a pair secret\nQ="unterminated secret\r\n');
  expect(result.vars).toEqual({ OK: '1' });
  expect(result.problems).toEqual(['line 2: expected KEY=VALUE', 'line 3: unterminated quote']);
  expect(result.problems.join()).not.toContain('secret');
});
