// What a reload changes: programs added, changed (any resolved setting differs), removed,
// unchanged, compared by name and deep equality of their resolved config.
import { isDeepStrictEqual } from 'node:util';
import type { ProgramConfig } from './types.js';

/** Names of programs by what a reload must do with them; each list in file order. */
export interface ProgramDiff {
  readonly added: string[];
  readonly changed: string[];
  readonly removed: string[];
  readonly unchanged: string[];
}

/** Compares the programs of the running config with those of the new one. */
export function diffPrograms(
  old: readonly ProgramConfig[],
  next: readonly ProgramConfig[],
): ProgramDiff {
  const before = new Map(old.map((p) => [p.name, p]));
  const after = new Set(next.map((p) => p.name));
  const diff: ProgramDiff = { added: [], changed: [], removed: [], unchanged: [] };
  for (const p of next) {
    const prev = before.get(p.name);
    if (prev === undefined) diff.added.push(p.name);
    else if (isDeepStrictEqual(prev, p)) diff.unchanged.push(p.name);
    else diff.changed.push(p.name);
  }
  for (const p of old) if (!after.has(p.name)) diff.removed.push(p.name);
  return diff;
}
