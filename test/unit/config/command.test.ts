// Commands to argv: lists as is, strings split like a shell would, never a shell.
import { describe, expect, test } from 'vitest';
import { parseCommand } from '../../../src/config/command.js';

describe('parseCommand', () => {
  test('a list is copied, numbers become strings', () => {
    expect(parseCommand(['redis-server', '--port', 6379])).toEqual({
      argv: ['redis-server', '--port', '6379'],
    });
  });

  test('a string is split like a shell would, with quotes and escapes', () => {
    expect(parseCommand(`app --name 'my app' "x \\"y\\"" a\\ b`)).toEqual({
      argv: ['app', '--name', 'my app', 'x "y"', 'a b'],
    });
  });

  test('dollar signs are kept literally (interpolation already ran)', () => {
    expect(parseCommand('echo $HOME ${X} "$Y"')).toEqual({
      argv: ['echo', '$HOME', '${X}', '$Y'],
    });
  });

  test.each(['a | b', 'a && b', 'a; b', 'a > out.log', 'sleep 5 &', 'a 2>&1'])(
    'refuses shell operators: %s',
    (command) => {
      const parsed = parseCommand(command);
      expect(parsed).toHaveProperty('error');
      expect((parsed as { error: string }).error).toContain(
        'apposd never runs a shell; use [sh, -c',
      );
    },
  );

  test('refuses globs and comments, accepts them quoted', () => {
    expect(parseCommand('ls *.txt')).toHaveProperty('error');
    expect(parseCommand('a #b')).toHaveProperty('error');
    expect(parseCommand('ls "*.txt" "#b"')).toEqual({ argv: ['ls', '*.txt', '#b'] });
  });

  test('empty commands are errors', () => {
    expect(parseCommand('   ')).toEqual({ error: 'must not be empty' });
    expect(parseCommand([])).toEqual({ error: 'must not be empty' });
    expect(parseCommand(['', 'x'])).toHaveProperty('error');
  });
});
