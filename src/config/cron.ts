// The one croner importer: checks a cron expression (5 or 6 fields, or a nickname such as
// @daily) and answers when it next fires, in a given time zone (the container's TZ).
import { Cron } from 'croner';

/** A parsed cron expression: when it next fires. */
export interface CronTimes {
  /** The first time strictly after `after` (epoch ms), or null when it never fires again. */
  next(after: number): number | null;
}

/** Why `expr` is not a cron expression apposd accepts, or null when it is. */
export function cronProblem(expr: string): string | null {
  try {
    parseCron(expr);
    return null;
  } catch (err) {
    return `not a cron expression (5 or 6 fields, or @hourly, @daily, @weekly): ${(err as Error).message}`;
  }
}

/** `tz` when it names a zone Intl knows (e.g. Europe/Paris), else undefined: local time. */
function knownZone(tz: string | undefined): string | undefined {
  if (!tz) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz;
  } catch {
    return undefined;
  }
}

/**
 * Parses `expr` for the time zone `timezone` (the container's TZ, an IANA name such as
 * Europe/Paris; absent or unknown: the process's local time, which Node also takes from TZ). Throws on a bad expression: check it with cronProblem first.
 */
export function parseCron(expr: string, timezone?: string): CronTimes {
  const job = new Cron(expr.trim(), {
    paused: true,
    mode: '5-or-6-parts',
    timezone: knownZone(timezone),
  });
  return {
    next(after: number): number | null {
      const at = job.nextRun(new Date(after));
      return at === null ? null : at.getTime();
    },
  };
}
