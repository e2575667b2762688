// Semantic checks of `depends_on`: unknown programs (did-you-mean), conditions that can never
// be met (`ready` on a oneshot, `completed` on a daemon), and cycles, named in full.
import type { Reporter } from './problems.js';
import { dependencies, programEntries, type RawDependency } from './shape.js';
import { didYouMeanSuffix } from './suggest.js';

/** Reports every dependency problem in `data` (the raw, interpolated file). */
export function checkDependencies(data: unknown, report: Reporter): void {
  const programs = programEntries(data);
  const kinds = new Map(programs.map(([name, body]) => [name, body.kind ?? 'daemon']));
  const graph = new Map<string, RawDependency[]>();
  for (const [name, body] of programs) {
    const known: RawDependency[] = [];
    for (const dep of dependencies(name, body.depends_on)) {
      const kind = kinds.get(dep.name);
      if (kind === undefined) {
        const hint = didYouMeanSuffix(dep.name, kinds.keys());
        report.problem(dep.path, `unknown program "${dep.name}"${hint}`);
        continue;
      }
      known.push(dep);
      if (kind === 'oneshot' && dep.condition === 'ready') {
        const how = dep.fromList ? ' (a list entry means ready)' : '';
        report.problem(
          dep.path,
          `"${dep.name}" is a oneshot, ready only once completed${how}; use ${dep.name}: completed`,
        );
      } else if (kind !== 'oneshot' && dep.condition === 'completed') {
        report.problem(
          dep.path,
          `"${dep.name}" is a daemon and never completes; use ${dep.name}: ready (or started)`,
        );
      }
    }
    graph.set(name, known);
  }
  for (const { cycle, at } of findCycles(graph)) {
    report.problem(at.path, `dependency cycle: ${cycle.join(' -> ')}`);
  }
}

/** One cycle per loop found, in file order, each placed at the entry that closes it. */
function findCycles(
  graph: ReadonlyMap<string, readonly RawDependency[]>,
): { cycle: string[]; at: RawDependency }[] {
  const found: { cycle: string[]; at: RawDependency }[] = [];
  const seen = new Set<string>();
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    state.set(name, 'active');
    stack.push(name);
    for (const dep of graph.get(name) ?? []) {
      const s = state.get(dep.name);
      if (s === 'active') {
        const cycle = [...stack.slice(stack.indexOf(dep.name)), dep.name];
        const key = [...new Set(cycle)].sort().join('\0');
        if (!seen.has(key)) {
          seen.add(key);
          found.push({ cycle, at: dep });
        }
      } else if (s === undefined) {
        visit(dep.name);
      }
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of graph.keys()) if (!state.has(name)) visit(name);
  return found;
}
