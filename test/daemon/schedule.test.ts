// Scheduled oneshots against the real apposd: per-second runs at their times, no overlap (the
// journal shows the skip), run_once after downtime, and a reload that changes a schedule.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ctl, statusOf, waitControl } from '../helpers/ctl-stack.js';
import { Daemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait-for.js';

const daemons: Daemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0).reverse()) await d.cleanup();
});

function start(yaml: string): Daemon {
  const d = Daemon.start(yaml);
  daemons.push(d);
  return d;
}

function linesOf(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

const job = (name: string, schedule: string, script: string, extra = ''): string => `
  ${name}:
    kind: oneshot
    schedule: "${schedule}"
    start_seconds: 0s
    command: [sh, -c, '${script}']${extra}
`;

describe('schedules', () => {
  it('a per-second schedule runs at its times, and status shows the next run', async () => {
    const d = start(`programs:${job('tick', '* * * * * *', 'date +%s%N >> $DIR/ticks')}`);
    await waitControl(d);
    const ticks = join(d.dir, 'ticks');
    await waitFor(() => linesOf(ticks).length >= 3, { timeoutMs: 20_000, what: '3 ticks' });
    const seconds = linesOf(ticks).map((l) => Math.floor(Number(l) / 1e9));
    // One run per second at most: the times are distinct seconds.
    expect(new Set(seconds).size).toBe(seconds.length);

    const [view] = await statusOf(d, ['tick']);
    const next = Date.parse(view?.next_run_at ?? '');
    expect(next).toBeGreaterThan(Date.now() - 1000);
    expect(next).toBeLessThanOrEqual(Date.now() + 2000);
    expect(next % 1000).toBe(0);
    const text = await ctl(d, 'status', 'tick');
    expect(text.stdout).toMatch(/^tick\s+\S+\s+.*next run \d{4}-\d\d-\d\dT/);

    const json = JSON.parse((await ctl(d, 'status', '--json')).stdout) as {
      programs: { name: string; next_run_at: string | null }[];
    };
    expect(json.programs[0]?.next_run_at).toMatch(/Z$/);
  });

  it('appos-ctl start runs a scheduled job now', async () => {
    const d = start(`programs:${job('yearly', '0 0 1 1 *', 'echo ran >> $DIR/runs')}`);
    await waitControl(d);
    const [view] = await statusOf(d, ['yearly']);
    expect(view?.state).toBe('STOPPED');
    expect(new Date(view?.next_run_at ?? '').getUTCMonth()).toBe(0);
    const r = await ctl(d, 'start', 'yearly');
    expect(r.stdout).toBe('yearly: started\n');
    await waitFor(() => linesOf(join(d.dir, 'runs')).length === 1, { what: 'one run' });
  });

  it('a tick while the last run still goes is skipped, and the journal says so', async () => {
    const script =
      'mkdir $DIR/lock 2>/dev/null || echo overlap >> $DIR/overlaps; echo run >> $DIR/runs; sleep 2.5; rmdir $DIR/lock';
    const d = start(`programs:${job('slow', '* * * * * *', script)}`);
    await waitControl(d);
    const skipped = await waitFor(
      async () => {
        const entries = await d.journal('slow');
        const list = entries.filter((e) => /skipped: the last run is still going/.test(e.reason));
        return list.length > 0 ? list : null;
      },
      { timeoutMs: 20_000, what: 'a skip in the journal' },
    );
    expect(skipped?.[0]?.reason).toMatch(/^scheduled run at \S+Z skipped/);
    await waitFor(() => linesOf(join(d.dir, 'runs')).length >= 2, {
      timeoutMs: 20_000,
      what: 'a second run',
    });
    expect(existsSync(join(d.dir, 'overlaps'))).toBe(false);
    const journal = await ctl(d, 'journal', 'slow');
    expect(journal.stdout).toMatch(/skipped: the last run is still going/);
  });

  it('run_once runs a time missed while apposd was down once; skip does not', async () => {
    const yaml = `data_dir: $DIR/data
programs:${job('catchup', '@hourly', 'echo ran >> $DIR/catchup', '\n    schedule_missed: run_once')}${job('skipper', '@hourly', 'echo ran >> $DIR/skipper')}`;
    const first = start(yaml);
    await waitControl(first);
    const memory = join(first.dir, 'data', '.apposd', 'schedules.json');
    await waitFor(() => existsSync(memory), { what: 'the schedule memory file' });
    first.signal('SIGTERM');
    await first.waitExit();

    // As if apposd had been down for two hours: the memory says so.
    const state = JSON.parse(readFileSync(memory, 'utf8')) as {
      programs: Record<string, { covered_until: number }>;
    };
    for (const p of Object.values(state.programs)) p.covered_until -= 2 * 60 * 60_000;
    writeFileSync(memory, JSON.stringify(state));

    const second = Daemon.startWithConfig(join(first.dir, 'config.yaml'));
    daemons.push(second);
    await waitControl(second);
    await waitFor(() => linesOf(join(first.dir, 'catchup')).length === 1, {
      timeoutMs: 15_000,
      what: 'the missed run',
    });
    const catchup = await second.journal('catchup');
    expect(catchup.filter((e) => /missed run at .* running once now/.test(e.reason))).toHaveLength(
      1,
    );
    const skipper = await second.journal('skipper');
    expect(skipper.some((e) => /missed run at .* skipped/.test(e.reason))).toBe(true);
    await waitFor(async () => (await statusOf(second, ['catchup']))[0]?.completed, {
      what: 'catchup completed',
    });
    expect(linesOf(join(first.dir, 'catchup'))).toHaveLength(1);
    expect(linesOf(join(first.dir, 'skipper'))).toHaveLength(0);
  });

  it('a reload that changes a schedule takes effect without a restart', async () => {
    const d = start(`programs:${job('job', '0 0 1 1 *', 'echo ran >> $DIR/runs')}`);
    await waitControl(d);
    const pid = d.daemonPid();
    writeFileSync(
      d.configPath,
      `programs:${job('job', '* * * * * *', 'echo ran >> $DIR/runs')}`.replaceAll('$DIR', d.dir),
    );
    const r = await ctl(d, 'reload');
    expect(r.code).toBe(0);
    const [view] = await statusOf(d, ['job']);
    expect(Date.parse(view?.next_run_at ?? '')).toBeLessThanOrEqual(Date.now() + 2000);
    await waitFor(() => linesOf(join(d.dir, 'runs')).length >= 2, {
      timeoutMs: 20_000,
      what: 'runs on the new schedule',
    });
    expect(d.daemonPid()).toBe(pid);
  });
});
