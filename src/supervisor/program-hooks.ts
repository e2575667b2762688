// How the supervisor hears its programs: each hook journals, logs and emits what a program
// reports, and a critical program's end is judged here (the supervisor then shuts down).
import type { ProgramStatus, SupervisorEvent } from './api.js';
import type { eventLog } from './event-log.js';
import type { Journal } from './journal.js';
import type { Program, ProgramHooks } from './program.js';

/** Where the hooks deliver: the supervisor's journal, event log and listeners. */
export interface HookTargets {
  journal: Journal;
  log: ReturnType<typeof eventLog>;
  emit(event: SupervisorEvent): void;
  /** The status the supervisor shows for `p` (with the dependency it waits for). */
  statusOf(p: Program, status: ProgramStatus): ProgramStatus;
  /** Every effect of one of `p`'s events has run. */
  settled(p: Program): void;
}

/** The hooks every program of one supervisor shares. */
export function programHooks(t: HookTargets): ProgramHooks {
  const { log } = t;
  return {
    transition: (p, move, status) => {
      const entry = t.journal.record({ at: Date.now(), program: p.name, ...move });
      log.transition(p.name, move);
      t.emit({ type: 'transition', entry, status: t.statusOf(p, status) });
    },
    readyChanged: (p, ready) => t.emit({ type: 'ready', program: p.name, ready }),
    probe: (p, probe, result, failures) => {
      log.probe(p.name, probe, result, failures);
      t.emit({ type: 'probe', program: p.name, probe, result });
    },
    spawned: (p, pid, error) => log.spawned(p.name, p.run, pid, error),
    exited: (p, exit, requested, run) => log.exited(p.name, run, exit, requested),
    ignored: (p, why) => log.ignored(p.name, p.run, why),
    settled: (p) => t.settled(p),
  };
}

/**
 * How a critical program ended for good ("is FATAL: why", "exited and will not be
 * restarted"), or null while it runs, may restart, or is not critical.
 */
export function criticalEnd(p: Program): string | null {
  if (!p.cfg.critical) return null;
  if (p.state === 'FATAL') return `is FATAL: ${p.reason}`;
  if (p.state === 'EXITED' && !p.completed) return 'exited and will not be restarted';
  return null;
}
