// Dependency gating: whether a program's dependencies allow it to start, why not, and whether
// they ever can without another action. Pure reads over the programs' states.
import type { Dependency } from '../config/types.js';
import type { Program } from './program.js';

/** Looks a program up by name. */
export type Lookup = (name: string) => Program | undefined;

/** Whether `dep` meets `condition`. */
export function satisfied(dep: Program, condition: Dependency['condition']): boolean {
  switch (condition) {
    case 'started':
      return dep.state === 'RUNNING' || dep.completed;
    case 'ready':
      return dep.ready;
    case 'completed':
      return dep.completed;
  }
}

/** Why `p` cannot start yet, or null when every dependency is satisfied. */
export function blocker(p: Program, get: Lookup): string | null {
  for (const dep of p.cfg.dependsOn) {
    const d = get(dep.name);
    if (!d) return `waiting for ${dep.name} (not configured)`;
    if (!satisfied(d, dep.condition))
      return `waiting for ${dep.name} to be ${dep.condition} (${d.state})`;
  }
  return null;
}

/** A program that rests and is not wanted: it will not start by itself. */
export function givenUp(d: Program): boolean {
  return d.state === 'FATAL' || d.state === 'EXITED' || (d.state === 'STOPPED' && !d.pending);
}

/**
 * Why a program waiting on its dependencies can never start without another action (a
 * dependency is FATAL, or resting and not wanted), or null while there is still hope.
 */
export function hopeless(p: Program, get: Lookup, seen = new Set<string>()): string | null {
  if (seen.has(p.name)) return null;
  seen.add(p.name);
  for (const dep of p.cfg.dependsOn) {
    const d = get(dep.name);
    if (!d) return `dependency ${dep.name} is not configured`;
    if (satisfied(d, dep.condition)) continue;
    if (givenUp(d)) return `dependency ${d.name} is ${d.state}`;
    const deeper = d.state === 'STOPPED' ? hopeless(d, get, seen) : null;
    if (deeper) return deeper;
  }
  return null;
}

/** `p` and the resting dependencies it needs, unsatisfied, deepest first. */
export function neededForStart(p: Program, get: Lookup, seen = new Set<string>()): Program[] {
  if (seen.has(p.name)) return [];
  seen.add(p.name);
  const out: Program[] = [];
  for (const dep of p.cfg.dependsOn) {
    const d = get(dep.name);
    if (d && d.resting && !satisfied(d, dep.condition)) out.push(...neededForStart(d, get, seen));
  }
  out.push(p);
  return out;
}
