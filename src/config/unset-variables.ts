// Unset variables: a `${VAR}` or `$VAR` without a default whose variable is not set becomes
// "". Each is reported by name with every place it is used (file:line:col and key path),
// never with a value, so a `$i` meant as `$$i` is seen at start and at every reload.
import type { UnsetUse } from './interpolate-document.js';
import { formatPath, type PathSegment, type Position } from './source-map.js';
import type { UnsetVariable, VariableUse } from './types.js';

/** Groups uses by variable (first use first), placing each value through `position`. */
export function unsetVariables(
  file: string,
  uses: readonly UnsetUse[],
  position: (path: readonly PathSegment[]) => Position | undefined,
): UnsetVariable[] {
  const byName = new Map<string, VariableUse[]>();
  for (const use of uses) {
    const pos = position(use.path);
    const at: VariableUse = pos
      ? { file, line: pos.line, col: pos.col, path: formatPath(use.path) }
      : { file, path: formatPath(use.path) };
    const list = byName.get(use.name) ?? [];
    list.push(at);
    byName.set(use.name, list);
  }
  return [...byName].map(([name, list]) => ({ name, uses: list }));
}

/** `/etc/appos.yaml:12:7 programs.app.command[2]`. */
export function formatUse(use: VariableUse): string {
  const where = use.line === undefined ? use.file : `${use.file}:${use.line}:${use.col ?? 1}`;
  return use.path === '' ? where : `${where} ${use.path}`;
}

/** The warning for one unset variable, naming it and where it is used. */
export function unsetWarning(variable: UnsetVariable): string {
  return (
    `\${${variable.name}} is not set; using an empty string ` +
    `(used at ${variable.uses.map(formatUse).join(', ')})`
  );
}
