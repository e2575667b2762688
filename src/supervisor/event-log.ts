// How the supervisor words program events in apposd's own log: levels, fields and messages.
import type { ProbeOutcome } from '../probes/types.js';
import type { EventLogger, ExitInfo } from './api.js';
import { describeExit } from './exit-status.js';
import type { Move } from './program.js';

/** The log lines of program events, written through `log`. */
export function eventLog(log: EventLogger) {
  return {
    transition(program: string, { run, from, to, reason }: Move): void {
      const fields = { program, run, from, to, reason };
      const msg = `${program} ${to}: ${reason}`;
      if (to === 'FATAL') log.error(fields, msg);
      else if (to === 'BACKOFF') log.warn(fields, msg);
      else log.info(fields, msg);
    },
    probe(program: string, probe: 'ready' | 'live', result: ProbeOutcome, failures: number): void {
      // A ready probe fails often while a program starts: say so on the 1st, 10th, 20th ...
      if (result.ok || (probe === 'ready' && failures !== 1 && failures % 10 !== 0)) return;
      const level = probe === 'live' ? 'warn' : 'debug';
      log[level](
        { program, probe, failures, error: result.error },
        `${program} ${probe} probe failed: ${result.error ?? 'failed'}`,
      );
    },
    spawned(program: string, run: number, pid: number | null, error?: string): void {
      if (error !== undefined)
        log.error({ program, code: 'APPOS_ERR_SPAWN', error }, `${program} spawn failed: ${error}`);
      else log.info({ program, pid, run }, `${program} spawned (pid ${pid})`);
    },
    exited(program: string, run: number, exit: ExitInfo, requested: boolean): void {
      const fields = { program, code: exit.code, signal: exit.signal, run };
      const msg = `${program} exited: ${describeExit(exit)}`;
      if (requested || exit.expected) log.info(fields, msg);
      else log.warn(fields, msg);
    },
    ignored(program: string, run: number, why: string): void {
      log.warn({ program, run, why }, `${program}: ignored ${why}`);
    },
  };
}
