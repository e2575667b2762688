// Safe readers over the raw parsed file, which checks must treat as untrusted `unknown`
// (semantic checks run even when the schema found problems, to report everything at once).
import type { PathSegment } from './source-map.js';

/** `value` as a plain map, or undefined. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** One `depends_on` entry as written, with the path of its key (map) or item (list). */
export interface RawDependency {
  readonly name: string;
  /** A list entry means `ready`; an unknown condition string is kept for the schema to flag. */
  readonly condition: string;
  readonly path: readonly PathSegment[];
  readonly fromList: boolean;
}

/** The entries of a program's `depends_on` (map or list form), skipping malformed ones. */
export function dependencies(program: string, dependsOn: unknown): RawDependency[] {
  const base: PathSegment[] = ['programs', program, 'depends_on'];
  if (Array.isArray(dependsOn)) {
    return dependsOn.flatMap((name: unknown, i) =>
      typeof name === 'string'
        ? [{ name, condition: 'ready', path: [...base, i], fromList: true }]
        : [],
    );
  }
  const map = record(dependsOn);
  if (!map) return [];
  return Object.entries(map).map(([name, condition]) => ({
    name,
    condition: String(condition),
    path: [...base, name],
    fromList: false,
  }));
}

/** Program names and bodies in file order (bodies that are not maps become `{}`). */
export function programEntries(data: unknown): [string, Record<string, unknown>][] {
  const programs = record(record(data)?.programs);
  if (!programs) return [];
  return Object.entries(programs).map(([name, body]) => [name, record(body) ?? {}]);
}
