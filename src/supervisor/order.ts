// The runtime order of a set of programs: who starts first, who must have stopped before whom
// on shutdown, and the slowest chain of stop timeouts. Pure functions over program configs.
import type { ProgramConfig, StartPlan } from '../config/types.js';

/**
 * Programs in start order: every program after what it depends on; among programs free to
 * start, lower priority first, then file order. (Unknown dependencies are ignored; should a
 * cycle remain, its programs follow in priority order.)
 */
export function startOrder(programs: readonly ProgramConfig[]): ProgramConfig[] {
  const names = new Set(programs.map((p) => p.name));
  const pending = new Map(
    programs.map((p) => [
      p.name,
      new Set(p.dependsOn.map((d) => d.name).filter((n) => names.has(n))),
    ]),
  );
  const rank = (p: ProgramConfig): [number, number] => [p.priority, programs.indexOf(p)];
  const byRank = (a: ProgramConfig, b: ProgramConfig): number => {
    const [pa, ia] = rank(a);
    const [pb, ib] = rank(b);
    return pa - pb || ia - ib;
  };
  const order: ProgramConfig[] = [];
  const left = [...programs];
  while (left.length > 0) {
    const free = left.filter((p) => pending.get(p.name)?.size === 0);
    const next = (free.length > 0 ? free : left).sort(byRank)[0] as ProgramConfig;
    order.push(next);
    left.splice(left.indexOf(next), 1);
    for (const deps of pending.values()) deps.delete(next.name);
  }
  return order;
}

/**
 * For each program, the programs that must have stopped before it is signalled on shutdown:
 * the ones after it in start order that depend on it or have a higher priority number. So
 * shutdown runs in reverse start order, and only programs of equal priority with no
 * dependency between them stop together (supervisord stops by reverse priority too).
 */
export function stopBlockers(programs: readonly ProgramConfig[]): Map<string, string[]> {
  const order = startOrder(programs);
  const blockers = new Map<string, string[]>();
  order.forEach((p, i) => {
    const later = order.slice(i + 1);
    blockers.set(
      p.name,
      later
        .filter((q) => q.priority > p.priority || q.dependsOn.some((d) => d.name === p.name))
        .map((q) => q.name),
    );
  });
  return blockers;
}

/** The slowest chain of stop timeouts in shutdown order, and its programs (first stopped first). */
export function shutdownCriticalPath(programs: readonly ProgramConfig[]): {
  ms: number;
  chain: string[];
} {
  const byName = new Map(programs.map((p) => [p.name, p]));
  const blockers = stopBlockers(programs);
  const cost = new Map<string, { ms: number; chain: string[] }>();
  let worst = { ms: 0, chain: [] as string[] };
  for (const p of [...startOrder(programs)].reverse()) {
    let before = { ms: 0, chain: [] as string[] };
    for (const b of blockers.get(p.name) ?? []) {
      const c = cost.get(b);
      if (c && c.ms > before.ms) before = c;
    }
    // A oneshot has normally completed long before a shutdown: nothing of it to stop.
    if (p.kind === 'oneshot') {
      cost.set(p.name, before);
      continue;
    }
    const mine = {
      ms: (byName.get(p.name)?.stopTimeoutMs ?? 0) + before.ms,
      chain: [...before.chain, p.name],
    };
    cost.set(p.name, mine);
    if (mine.ms > worst.ms) worst = mine;
  }
  return worst;
}

/** The start plan `apposd check` prints: start order and the shutdown critical path. */
export function startPlan(programs: readonly ProgramConfig[]): StartPlan {
  return { order: startOrder(programs), shutdown: shutdownCriticalPath(programs) };
}
