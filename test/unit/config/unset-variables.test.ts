// Unset variables in the loader: each is named with every place it is used (file:line:col and
// key path), never with a value; defaults and `$$` are not warned about; `${VAR:?}` stays fatal.
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadConfig } from '../../../src/config/load.js';
import { formatPlan } from '../../../src/config/plan.js';
import { startPlan } from '../../../src/supervisor/order.js';
import { formatUse, unsetWarning } from '../../../src/config/unset-variables.js';
import { tempConfigs } from '../../helpers/config-file.js';

const configs = tempConfigs('apposd-unset-');
afterEach(() => configs.cleanup());

const YAML = `programs:
  loop:
    command: [sh, -c, "for i in 1 2; do echo $i; done"]
  app:
    command: [app, --token, "\${API_TOKEN}"]
    env:
      MODE: \${MODE:-dev}
      PRICE: "$$5"
      TOKEN_AGAIN: "\${API_TOKEN}/\${API_TOKEN}"
      SET: \${IS_SET}
`;

describe('unset variables', () => {
  test('each is named once, with every place it is used, in file order', () => {
    const file = configs.write(YAML);
    const config = loadConfig(file, { IS_SET: 'secret-value' });
    expect(config.unsetVariables).toEqual([
      { name: 'i', uses: [{ file, line: 3, col: 23, path: 'programs.loop.command[2]' }] },
      {
        name: 'API_TOKEN',
        uses: [
          { file, line: 5, col: 29, path: 'programs.app.command[2]' },
          { file, line: 9, col: 20, path: 'programs.app.env.TOKEN_AGAIN' },
        ],
      },
    ]);
  });

  test('the warning names the variable and its uses, never a value', () => {
    const file = configs.write(YAML);
    const config = loadConfig(file, { IS_SET: 'secret-value' });
    expect(config.loadWarnings).toEqual([
      `\${i} is not set; using an empty string (used at ${file}:3:23 programs.loop.command[2])`,
      `\${API_TOKEN} is not set; using an empty string (used at ${file}:5:29 ` +
        `programs.app.command[2], ${file}:9:20 programs.app.env.TOKEN_AGAIN)`,
    ]);
    expect(formatPlan(config, startPlan(config.programs))).toContain(
      `  - \${i} is not set; using an empty string`,
    );
    expect(JSON.stringify(config.loadWarnings)).not.toContain('secret-value');
  });

  test('defaults, $$ and set variables give no warning', () => {
    const file = configs.write(
      `programs:\n  a:\n    command: [a, "\${X:-d}", "$$HOME", "\${Y-}", "\${Z}"]\n`,
    );
    expect(loadConfig(file, { Z: '' }).unsetVariables).toEqual([]);
  });

  test('${VAR:?message} is still fatal: exit 78 with the message', () => {
    const file = configs.write(`programs:\n  a:\n    command: [a, "\${NEED:?set NEED}"]\n`);
    expect(() => loadConfig(file, {})).toThrow(ConfigError);
    expect(() => loadConfig(file, {})).toThrow(/required variable NEED is not set: set NEED/);
  });

  test('formatting a use without a position or a path', () => {
    expect(formatUse({ file: '/c.yaml', path: '' })).toBe('/c.yaml');
    expect(unsetWarning({ name: 'A', uses: [{ file: '/c.yaml', line: 2, path: 'x' }] })).toBe(
      '${A} is not set; using an empty string (used at /c.yaml:2:1 x)',
    );
  });
});
