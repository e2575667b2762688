// Runs scheduled oneshots at their cron times through the supervisor's public api. A tick that
// comes while the last run is still going is skipped and journaled; a time missed while apposd
// was down runs once at start when the program says `schedule_missed: run_once`.
import { parseCron, type CronTimes } from '../config/cron.js';
import type { ScheduleConfig } from '../config/types.js';
import type { SupervisorApi } from '../supervisor/api.js';
import { RESTING_STATES } from '../wire/shapes.js';
import { ScheduleMemory } from './memory.js';

/** The slice of a logger the scheduler uses. */
export interface SchedulerLogger {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
}

export interface SchedulerOptions {
  supervisor: SupervisorApi;
  logger: SchedulerLogger;
  /** The container's TZ (an IANA zone name); absent: local time. */
  timezone?: string;
  /** Where the last covered time of each schedule is remembered (for run_once). */
  stateFile?: string;
  /** Clock, for tests. */
  now?: () => number;
}

/** States in which the last run is still going: a tick then is skipped. */
/** Longest single timer; longer waits are taken in hops (setTimeout's limit is ~24.8 days). */
const MAX_TIMER_MS = 6 * 60 * 60_000;

interface Job {
  readonly cfg: ScheduleConfig;
  readonly times: CronTimes;
  next: number | null;
  timer: NodeJS.Timeout | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Arms one timer per schedule; `apply` again on reload. */
export class Scheduler {
  private readonly jobs = new Map<string, Job>();
  private readonly memory: ScheduleMemory;
  private readonly now: () => number;
  private booted = false;
  private closed = false;

  constructor(private readonly opts: SchedulerOptions) {
    this.memory = new ScheduleMemory(opts.stateFile);
    this.now = opts.now ?? Date.now;
  }

  /**
   * Takes the schedules of the (re)loaded config: new and changed ones are armed afresh,
   * removed ones disarmed. The first call also runs the times missed while apposd was down.
   */
  apply(schedules: readonly ScheduleConfig[]): void {
    if (this.closed) return;
    const wanted = new Map(schedules.map((s) => [s.program, s]));
    for (const [name, job] of this.jobs) {
      const next = wanted.get(name);
      if (next && next.cron === job.cfg.cron && next.missed === job.cfg.missed) continue;
      this.disarm(job);
      this.jobs.delete(name);
    }
    const boot = !this.booted;
    this.booted = true;
    for (const cfg of schedules) {
      if (this.jobs.has(cfg.program)) continue;
      const job: Job = {
        cfg,
        times: parseCron(cfg.cron, this.opts.timezone),
        next: null,
        timer: null,
      };
      this.jobs.set(cfg.program, job);
      if (boot) this.catchUp(job);
      else this.cover(cfg.program, this.now());
      this.arm(job);
    }
  }

  /** Epoch ms of `program`'s next scheduled run, or null when it has no schedule. */
  nextRunAt(program: string): number | null {
    return this.jobs.get(program)?.next ?? null;
  }

  /** Disarms every timer. */
  close(): void {
    this.closed = true;
    for (const job of this.jobs.values()) this.disarm(job);
  }

  private catchUp(job: Job): void {
    const name = job.cfg.program;
    const now = this.now();
    const since = this.memory.coveredUntil(name);
    const due = since === undefined ? null : job.times.next(since);
    if (due !== null && due <= now) {
      if (job.cfg.missed === 'run_once') {
        this.note(name, `missed run at ${iso(due)} while apposd was down: running once now`);
        this.run(name);
      } else {
        this.note(name, `missed run at ${iso(due)} while apposd was down: skipped`);
      }
    }
    this.cover(name, now);
  }

  private arm(job: Job): void {
    if (this.closed) return;
    const now = this.now();
    const from = job.next !== null && job.next >= now ? job.next : now;
    job.next = job.times.next(from);
    if (job.next === null) return;
    this.wait(job, job.next);
  }

  private wait(job: Job, at: number): void {
    const delay = Math.min(Math.max(0, at - this.now()), MAX_TIMER_MS);
    job.timer = setTimeout(() => {
      job.timer = null;
      if (this.closed || this.jobs.get(job.cfg.program) !== job) return;
      if (this.now() < at) {
        this.wait(job, at);
        return;
      }
      this.tick(job, at);
      this.arm(job);
    }, delay);
    job.timer.unref();
  }

  private disarm(job: Job): void {
    if (job.timer) clearTimeout(job.timer);
    job.timer = null;
    job.next = null;
  }

  private tick(job: Job, at: number): void {
    const name = job.cfg.program;
    this.cover(name, at);
    const status = this.opts.supervisor.get(name);
    if (!status || this.opts.supervisor.stopping) return;
    if (!RESTING_STATES.has(status.state)) {
      this.note(name, `scheduled run at ${iso(at)} skipped: the last run is still going`, true);
      return;
    }
    this.note(name, `scheduled run at ${iso(at)}`);
    this.run(name);
  }

  private run(name: string): void {
    this.opts.supervisor.start(name).then(
      (r) => {
        if (!r.ok) this.opts.logger.warn({ program: name }, `${name} scheduled run: ${r.message}`);
      },
      (err: unknown) =>
        this.opts.logger.warn({ program: name, err: String(err) }, `${name} scheduled run failed`),
    );
  }

  private note(program: string, reason: string, warn = false): void {
    this.opts.supervisor.note?.(program, reason);
    this.opts.logger[warn ? 'warn' : 'info']({ program }, `${program}: ${reason}`);
  }

  private cover(program: string, at: number): void {
    const err = this.memory.cover(program, at);
    if (err) {
      this.opts.logger.warn({ program, err: err.message }, 'cannot remember the schedule state');
    }
  }
}
