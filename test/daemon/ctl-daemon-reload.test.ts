// `appos-ctl reload` against the real apposd: after editing the config file (one program
// added, one changed, one removed) only those three are touched and the CLI says what it did;
// an invalid config is refused with its error (exit 1) while apposd keeps running.
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon, NODE, alive, fixture } from '../helpers/daemon.js';
import { ctl, pids, statusOf, waitUp } from '../helpers/ctl-stack.js';
import { freePort } from '../helpers/temp.js';

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

const forever = (name: string, extra = ''): string => `
  ${name}:
    command: [${NODE}, ${fixture('forever.mjs')}]
    start_seconds: 100ms${extra}`;

const redis = (port: number): string => `
  redis:
    command: [redis-server, --port, "${port}", --bind, 127.0.0.1, --save, "", --appendonly, "no", --dir, $DIR]
    priority: 10
    start_seconds: 100ms
    ready: { redis: "redis://127.0.0.1:${port}", interval: 100ms }`;

describe('reload', () => {
  it('touches only the added, changed and removed programs and prints what it did', async () => {
    const port = await freePort();
    const before = `programs:${redis(port)}${forever('keep')}${forever('change')}${forever('drop')}\n`;
    d = Daemon.start(before);
    await waitUp(d, ['redis', 'keep', 'change', 'drop']);
    const old = await pids(d);

    let r = await ctl(d, 'reload');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'no changes\n', '']);

    const after = `programs:${redis(port)}${forever('keep')}${forever('change', '\n    env: { MODE: "two" }')}${forever('add')}\n`;
    writeFileSync(d.configPath, after.replaceAll('$DIR', d.dir));
    r = await ctl(d, 'reload');
    expect([r.code, r.stdout, r.stderr]).toEqual([
      0,
      'add: added\nchange: changed\ndrop: removed\n',
      '',
    ]);
    await waitUp(d, ['redis', 'keep', 'change', 'add']);
    const now = await pids(d);
    expect(Object.keys(now).sort()).toEqual(['add', 'change', 'keep', 'redis']);
    expect(now.redis).toBe(old.redis);
    expect(now.keep).toBe(old.keep);
    expect(now.change).not.toBe(old.change);
    expect(alive(old.change!)).toBe(false);
    expect(alive(old.drop!)).toBe(false);
    // The untouched ones have no transitions after their start.
    for (const name of ['redis', 'keep']) {
      expect((await d.journal(name)).map((e) => e.to)).toEqual(['STARTING', 'RUNNING']);
    }
    const st = await ctl(d, 'status');
    expect(st.code).toBe(0);
    expect(st.stdout.split('\n').map((l) => l.split(' ')[0])).toEqual([
      'redis',
      'keep',
      'change',
      'add',
      '',
    ]);
    const gone = await ctl(d, 'status', 'drop');
    expect([gone.code, gone.stderr]).toEqual([1, 'drop: ERROR (no such program)\n']);
  });

  it('refuses an invalid config with its error, exit 1, and keeps running', async () => {
    d = Daemon.start(`programs:${forever('keep')}${forever('other')}\n`);
    await waitUp(d, ['keep', 'other']);
    const old = await pids(d);
    writeFileSync(
      d.configPath,
      `programs:\n  keep:\n    comand: [${NODE}]\n  other:\n    command: [x]\n    priority: high\n`,
    );
    const r = await ctl(d, 'reload');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    // The config room's report (as `apposd check` prints it) after the CLI's prefix.
    const err = r.stderr.split('\n');
    expect(err[0]).toBe(`appos-ctl: invalid config ${d.configPath} (3 problems):`);
    expect(err.slice(1)).toEqual([
      expect.stringMatching(/config\.yaml:2:3 +programs\.keep: missing required key "command"$/),
      expect.stringMatching(/config\.yaml:3:5 +programs\.keep\.comand: unknown key .*"command"/),
      expect.stringMatching(/config\.yaml:6:15 +programs\.other\.priority: /),
      '',
    ]);
    expect(r.stderr).not.toMatch(/\bat \S+:\d+:\d+\)?$/m);
    // apposd is still there, running the old programs.
    expect(d.exitStatus).toBeNull();
    const st = await ctl(d, 'status');
    expect(st.code).toBe(0);
    expect(await pids(d)).toEqual(old);
    expect((await statusOf(d)).map((p) => p.state)).toEqual(['RUNNING', 'RUNNING']);
  });
});
