// SIGHUP reload: one program changed, one added, one removed; only those are touched and the
// unchanged one keeps its pid.
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon, NODE, fixture } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait-for.js';

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

const prog = (name: string, extra = ''): string => `
  ${name}:
    command: [${NODE}, ${fixture('forever.mjs')}]
    start_seconds: 100ms${extra}`;

describe('reload on SIGHUP', () => {
  it('starts the added, restarts the changed, stops the removed, keeps the rest', async () => {
    const log = 'log: { dir: $DIR/logs }\n';
    d = Daemon.start(`${log}programs:${prog('keep')}${prog('change')}${prog('drop')}\n`);
    await d.waitState('keep', 'RUNNING');
    await d.waitState('change', 'RUNNING');
    await d.waitState('drop', 'RUNNING');
    const keepPid = d.pidOf('keep');
    const changePid = d.pidOf('change');
    writeFileSync(
      d.configPath,
      `${log.replace('$DIR', d.dir)}programs:${prog('keep')}${prog('change', '\n    env: { NEW: "1" }')}${prog('add')}\n`,
    );
    d.signal('SIGHUP');
    await d.waitState('add', 'RUNNING');
    await d.waitState('change', 'RUNNING', 10_000, 2);
    await d.waitState('drop', 'STOPPED');
    expect(d.pidOf('keep')).toBe(keepPid);
    expect(d.pidOf('change')).not.toBe(changePid);
    expect(d.transitions('keep').map((t) => t.to)).toEqual(['STARTING', 'RUNNING']);
    const names = await waitFor(async () => {
      const s = await d?.api<{ programs: { name: string }[] }>('/v1/status');
      return s?.programs.map((p) => p.name);
    });
    expect(names.sort()).toEqual(['add', 'change', 'keep']);
    // The removed program's log file is closed; the others' stay open.
    const pid = d.proc.pid as number;
    const openLogs = (): string[] =>
      readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
        try {
          return [readlinkSync(`/proc/${pid}/fd/${fd}`)];
        } catch {
          return [];
        }
      });
    await waitFor(() => !openLogs().some((f) => f.endsWith('/drop.log')));
    expect(openLogs().some((f) => f.endsWith('/keep.log'))).toBe(true);
    const reloaded = d.records().find((r) => r.msg === 'config reloaded');
    expect(reloaded).toMatchObject({ added: ['add'], changed: ['change'], removed: ['drop'] });
  });

  it('keeps running on the old config when the new one is invalid', async () => {
    d = Daemon.start(`programs:${prog('keep')}\n`);
    await d.waitState('keep', 'RUNNING');
    writeFileSync(d.configPath, `programs:\n  keep:\n    comand: [oops]\n`);
    d.signal('SIGHUP');
    await waitFor(() => d?.records().find((r) => /reload failed/.test(r.msg)));
    expect(d.state('keep')).toBe('RUNNING');
    expect(d.exitStatus).toBeNull();
  });
});
