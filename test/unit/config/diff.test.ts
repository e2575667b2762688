// The reload diff: added, changed, removed and unchanged programs by deep equality.
import { afterEach, expect, test } from 'vitest';
import { diffPrograms } from '../../../src/config/diff.js';
import { loadConfig } from '../../../src/config/load.js';
import { tempConfigs } from '../../helpers/config-file.js';

const configs = tempConfigs('apposd-diff-');
afterEach(() => configs.cleanup());

function programs(text: string, env: Record<string, string> = {}) {
  const file = configs.write(text);
  return loadConfig(file, env).programs;
}

test('classifies every program by name and deep equality', () => {
  const before = programs(`
programs:
  redis: { command: [redis-server], priority: 10 }
  backend: { command: [backend], env: { A: "1" }, ready: { tcp: "127.0.0.1:1" } }
  old: { command: [old] }
`);
  const after = programs(`
programs:
  backend: { command: [backend], env: { A: "2" }, ready: { tcp: "127.0.0.1:1" } }
  redis: { command: "redis-server", priority: 10 }
  fresh: { command: [fresh] }
`);
  expect(diffPrograms(before, after)).toEqual({
    added: ['fresh'],
    changed: ['backend'],
    removed: ['old'],
    unchanged: ['redis'],
  });
});

test('a change deep inside a probe or an env value from the environment counts', () => {
  const text = `
programs:
  app:
    command: [app]
    env: { TOKEN: "\${TOKEN}" }
    live: { http: "http://127.0.0.1:1/", interval: 5s }
`;
  const a = programs(text, { TOKEN: 'x' });
  expect(diffPrograms(a, programs(text, { TOKEN: 'x' })).unchanged).toEqual(['app']);
  expect(diffPrograms(a, programs(text, { TOKEN: 'y' })).changed).toEqual(['app']);
  const slower = programs(text.replace('5s', '6s'), { TOKEN: 'x' });
  expect(diffPrograms(a, slower).changed).toEqual(['app']);
});

test('empty sides', () => {
  const some = programs('programs:\n  a: { command: [a] }\n');
  expect(diffPrograms([], some)).toEqual({ added: ['a'], changed: [], removed: [], unchanged: [] });
  expect(diffPrograms(some, [])).toEqual({ added: [], changed: [], removed: ['a'], unchanged: [] });
});
