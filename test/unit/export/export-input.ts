// Builds an export's input from a config file the way `apposd export` does, for the tests.
import { basename, dirname, relative } from 'node:path';
import { afterEach } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig, readRawConfig } from '../../../src/config/load.js';
import type { ExportInput } from '../../../src/export/model.js';
import { tempConfigs } from '../../helpers/config-file.js';

/** The input of an export of `file`, loaded against `env`. */
export function exportInput(file: string, env: Record<string, string> = {}): ExportInput {
  return {
    config: loadConfig(file, env),
    raw: readRawConfig(file),
    source: basename(file),
    envFileRef: (p) => relative(dirname(file), p.envFile ?? ''),
  };
}

/**
 * A writer of temp config files for an export test file: `file(text, extra)` writes appos.yaml
 * (and `extra` beside it) in a fresh dir and returns its path; every dir goes after each test.
 */
export function exportConfigs(): (text: string, extra?: Record<string, string>) => string {
  const configs = tempConfigs('apposd-export-');
  afterEach(() => configs.cleanup());
  return (text, extra) => configs.write(text, extra);
}

/** What neither export can carry: [what, a line of the program, the problem it reports]. */
export const UNSUPPORTED_BY_BOTH: [string, string, RegExp][] = [
  ['a user the image does not have', 'user: postgres', /user "postgres" does not map/],
  [
    'an exec probe with a shell pipe',
    'ready: { exec: [sh, -c, "redis-cli ping | grep PONG"] }',
    /shell pipeline/,
  ],
];

/** Every document of a multi-document YAML text, as plain objects. */
export function documents(text: string): Record<string, unknown>[] {
  return parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);
}
