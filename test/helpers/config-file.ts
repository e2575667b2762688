// Temporary config files for tests: each write gets a fresh directory holding appos.yaml and
// any side files it names (env files, scripts); `cleanup` removes every directory written.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp.js';

/** Writes `text` as `dir`/`name` and each of `extra` by name beside it; returns its path. */
export function writeConfig(
  dir: string,
  text: string,
  extra: Record<string, string> = {},
  name = 'appos.yaml',
): string {
  for (const [side, content] of Object.entries(extra)) writeFileSync(join(dir, side), content);
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

export interface TempConfigs {
  /** Writes `text` as appos.yaml (and `extra` beside it) in a fresh temp dir; returns its path. */
  write(text: string, extra?: Record<string, string>): string;
  /** Removes every directory written so far. */
  cleanup(): void;
}

/** Config files in temp dirs named `prefix`...; call `cleanup` in an afterEach or afterAll. */
export function tempConfigs(prefix = 'apposd-config-'): TempConfigs {
  const dirs: { cleanup: () => void }[] = [];
  return {
    write(text, extra = {}) {
      const dir = tempDir(prefix);
      dirs.push(dir);
      return writeConfig(dir.path, text, extra);
    },
    cleanup() {
      for (const d of dirs.splice(0)) d.cleanup();
    },
  };
}
