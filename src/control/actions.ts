// start/stop/restart over a list of programs, one outcome per program: start in start order,
// stop last-started first, restart as "stop all of them, then start all of them"; with `all`,
// programs already where the verb would take them are left out (supervisorctl's rule).
import type { ActionResult, SupervisorApi } from '../supervisor/api.js';
import { RESTING_STATES as AT_REST } from '../wire/shapes.js';
import type { ActionResultView } from './protocol.js';

/** A verb that acts on programs and waits for the outcome. */
export type ActionVerb = 'start' | 'stop' | 'restart';

function view(r: ActionResult): ActionResultView {
  return { name: r.name, ok: r.ok, message: r.message };
}

async function attempt(name: string, act: () => Promise<ActionResult>): Promise<ActionResultView> {
  try {
    return view(await act());
  } catch (err) {
    return { name, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Stops every target that runs (last started first), then starts them all in start order;
 * the supervisor's start waits for each program's dependencies, so a dependent never runs
 * against a dependency that is being restarted. A program whose stop failed is not started.
 */
async function restartTogether(
  supervisor: SupervisorApi,
  targets: readonly string[],
  timeoutMs: number | undefined,
): Promise<ActionResultView[]> {
  const failedStops = new Map<string, ActionResultView>();
  for (const name of [...targets].reverse()) {
    const state = supervisor.get(name)?.state;
    if (state === undefined || AT_REST.has(state)) continue;
    const r = await attempt(name, () => supervisor.stop(name, timeoutMs));
    if (!r.ok) failedStops.set(name, r);
  }
  const results: ActionResultView[] = [];
  for (const name of targets) {
    const failed = failedStops.get(name);
    if (failed) {
      results.push(failed);
      continue;
    }
    const r = await attempt(name, () => supervisor.start(name, timeoutMs));
    results.push(r.ok ? { name, ok: true, message: 'restarted' } : r);
  }
  return results;
}

/**
 * Runs `verb` on `targets` (known names, in start order) one program at a time and returns
 * one outcome per program, in the order they were acted on. With `all` (the operator said
 * `all`), a start leaves RUNNING programs out and a stop leaves out programs that had nothing
 * to stop, as supervisorctl does, so `stop all` / `start all` succeed on a mixed stack.
 */
export async function runAction(
  supervisor: SupervisorApi,
  verb: ActionVerb,
  targets: readonly string[],
  timeoutMs?: number,
  all = false,
): Promise<ActionResultView[]> {
  if (verb === 'restart') return restartTogether(supervisor, targets, timeoutMs);
  const ordered = verb === 'stop' ? [...targets].reverse() : [...targets];
  const results: ActionResultView[] = [];
  for (const name of ordered) {
    const state = supervisor.get(name)?.state;
    if (all && verb === 'start' && state === 'RUNNING') continue;
    const r = await attempt(name, () => supervisor[verb](name, timeoutMs));
    // A program at rest may still be waiting to start (its dependencies were not up): the stop
    // cancels that and is reported; otherwise there was nothing to stop.
    if (all && verb === 'stop' && !r.ok && state !== undefined && AT_REST.has(state)) continue;
    results.push(r);
  }
  return results;
}
