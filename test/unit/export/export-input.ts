// Builds an export's input from a config file the way `apposd export` does, for the tests.
import { writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfig, readRawConfig } from '../../../src/config/load.js';
import type { ExportInput } from '../../../src/export/model.js';
import { tempDir } from '../../helpers/temp.js';

/** The input of an export of `file`, loaded against `env`. */
export function exportInput(file: string, env: Record<string, string> = {}): ExportInput {
  return {
    config: loadConfig(file, env),
    raw: readRawConfig(file),
    source: basename(file),
    envFileRef: (p) => relative(dirname(file), p.envFile ?? ''),
  };
}

/** Writes `text` as appos.yaml in a fresh temp dir; returns its path and the cleanup. */
export function configFile(text: string, extra: Record<string, string> = {}) {
  const dir = tempDir('apposd-export-');
  for (const [name, content] of Object.entries(extra)) writeFileSync(join(dir.path, name), content);
  const file = join(dir.path, 'appos.yaml');
  writeFileSync(file, text);
  return { file, cleanup: dir.cleanup };
}

/** Every document of a multi-document YAML text, as plain objects. */
export function documents(text: string): Record<string, unknown>[] {
  return parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);
}
