// The program keys of CONTRACT.md with real processes: command string, cwd, env, env_file,
// user/group, autostart, stop_signal, exit_codes with on-failure, and live probes.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon, NODE, fixture } from '../helpers/daemon.js';
import { freePort } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

const logOf = (dir: string, name: string): string => {
  try {
    return readFileSync(join(dir, 'logs', `${name}.log`), 'utf8');
  } catch {
    return '';
  }
};

describe('program keys', () => {
  it('runs a shell-words command in cwd, as a user, with env_file under env', async () => {
    d = Daemon.start(
      `
log: { dir: $DIR/logs }
programs:
  envy:
    command: "${NODE} ${fixture('print-env.mjs')} FROM_FILE FROM_ENV BOTH 'SPACED NAME'"
    cwd: /tmp
    user: nobody
    group: nogroup
    env_file: vars.env
    env: { FROM_ENV: "env", BOTH: "env wins" }
    start_seconds: 100ms
`,
      { files: { 'vars.env': '# comment\nFROM_FILE=file\nBOTH=file\n' } },
    );
    const dir = d.dir;
    await d.waitState('envy', 'RUNNING');
    const out = await waitFor(() =>
      logOf(dir, 'envy').includes('SPACED NAME=') ? logOf(dir, 'envy') : null,
    );
    expect(out).toContain('uid=65534 gid=65534 cwd=/tmp');
    expect(out).toContain('FROM_FILE=file\n');
    expect(out).toContain('FROM_ENV=env\n');
    expect(out).toContain('BOTH=env wins\n');
    // Env values may be secrets: they never reach apposd's own log records.
    expect(
      d
        .records()
        .filter((r) => !r.program || !r.stream)
        .some((r) => JSON.stringify(r).includes('env wins')),
    ).toBe(false);
  });

  it('leaves autostart: false programs stopped and uses stop_signal', async () => {
    d = Daemon.start(`
programs:
  manual:
    command: [${NODE}, ${fixture('forever.mjs')}]
    autostart: false
  intable:
    command: [sh, -c, "trap 'echo got INT; exit 0' INT; trap '' TERM; while :; do sleep 0.1; done"]
    stop_signal: INT
    stop_timeout: 10s
    start_seconds: 100ms
`);
    await d.waitState('intable', 'RUNNING');
    // The control socket opens after the first spawns: on a loaded machine, after RUNNING.
    const daemon = d;
    await waitFor(() => existsSync(daemon.socket), { what: 'the control socket' });
    const s = await d.api<{ programs: { name: string; state: string }[] }>(
      '/v1/status?name=manual',
    );
    expect(s.programs[0]?.state).toBe('STOPPED');
    const t0 = Date.now();
    const r = await d.api<{ results: { ok: boolean; message: string }[] }>('/v1/stop', 'POST', {
      names: ['intable'],
    });
    expect(r.results[0]).toMatchObject({ ok: true, message: 'stopped' });
    // INT ends it at once; TERM would have been ignored until the 10 s stop_timeout.
    expect(Date.now() - t0).toBeLessThan(5_000);
    const stopped = await d.waitState('intable', 'STOPPED');
    expect(stopped.reason).toBe('stopped (exit status 0)');
  });

  it('does not restart an on-failure program that exits with one of its exit_codes', async () => {
    d = Daemon.start(`
programs:
  job:
    command: [${NODE}, ${fixture('exit-with.mjs')}, "3", "300"]
    restart: on-failure
    exit_codes: [0, 3]
    start_seconds: 100ms
`);
    const e = await d.waitState('job', 'EXITED');
    expect(e.reason).toBe('exited (exit status 3)');
    const s = await d.api<{ programs: { restarts: number; state: string }[] }>(
      '/v1/status?name=job',
    );
    expect(s.programs[0]).toMatchObject({ state: 'EXITED', restarts: 0 });
  });

  it('restarts a program whose live probe fails retries times in a row', async () => {
    const port = await freePort();
    // The process listens for 1.5 s worth of probes, then closes its port but keeps running.
    d = Daemon.start(`
programs:
  flaky:
    command: [${NODE}, -e, "const s=require('net').createServer(c=>c.end()).listen(${port},'127.0.0.1');setTimeout(()=>s.close(),1500);setInterval(()=>{},1e9)"]
    ready: { tcp: "127.0.0.1:${port}", interval: 50ms }
    live: { tcp: "127.0.0.1:${port}", interval: 200ms, retries: 2 }
`);
    await d.waitState('flaky', 'RUNNING');
    const stopping = await d.waitState('flaky', 'STOPPING', 10_000);
    expect(stopping.reason).toMatch(/^live probe failed 2 times: .*ECONNREFUSED/);
    await d.waitState('flaky', 'RUNNING', 10_000, 2);
  });
});
