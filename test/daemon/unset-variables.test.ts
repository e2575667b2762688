// An unset ${VAR} or $VAR becomes "" in a running apposd too: its log warns, naming the
// variable and where it is used, at start and again at every reload; ${VAR:?} stays fatal.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon, NODE, type LogRecord, fixture } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait-for.js';

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

const forever = (name: string, arg: string): string => `
  ${name}:
    command: [${NODE}, ${fixture('forever.mjs')}, "${arg}"]
    start_seconds: 100ms`;

const warnings = (daemon: Daemon, variable: string): LogRecord[] =>
  daemon.records().filter((r) => r.variable === variable);

/** `file:line:col` of the quoted value holding `needle` in the config file. */
function at(daemon: Daemon, needle: string): string {
  const lines = readFileSync(daemon.configPath, 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  const col = (lines[line] ?? '').indexOf(`"${needle}`) + 1;
  return `${daemon.configPath}:${line + 1}:${col}`;
}

/** Waits for the program to run and the control socket to answer (it opens after spawns). */
async function ready(daemon: Daemon, program: string): Promise<void> {
  await daemon.waitState(program, 'RUNNING');
  await waitFor(() => existsSync(daemon.socket), { what: 'the control socket' });
}

describe('unset variables in a running apposd', () => {
  it('are warned about at start and at every reload, with where they are used', async () => {
    d = Daemon.start(`programs:${forever('app', '${APP_TOKEN_UNSET}')}\n`, {
      env: { SOME_SECRET: 'never-logged-value' },
    });
    const daemon = d;
    await ready(daemon, 'app');
    const atStart = await waitFor(() => warnings(daemon, 'APP_TOKEN_UNSET')[0]);
    expect(atStart.msg).toBe(
      `\${APP_TOKEN_UNSET} is not set; using an empty string ` +
        `(used at ${at(daemon, '${APP')} programs.app.command[2])`,
    );
    expect(atStart.level).toBe('warn');
    expect(atStart.uses).toEqual([`${at(daemon, '${APP')} programs.app.command[2]`]);

    // A reload with the same variable still unset warns again; a new one is named too.
    writeFileSync(
      daemon.configPath,
      `programs:${forever('app', '${APP_TOKEN_UNSET}')}${forever('loop', '$i')}\n`,
    );
    const r = daemon.ctl('reload');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    await waitFor(() => warnings(daemon, 'APP_TOKEN_UNSET').length >= 2, {
      what: 'the warning again after the reload',
    });
    const loop = await waitFor(() => warnings(daemon, 'i')[0]);
    expect(loop.uses).toEqual([`${at(daemon, '$i')} programs.loop.command[2]`]);

    // SIGHUP reloads too, and warns once more.
    daemon.signal('SIGHUP');
    await waitFor(() => warnings(daemon, 'i').length >= 2, { what: 'the warning after SIGHUP' });
    expect(daemon.stdout).not.toContain('never-logged-value');
  });

  it('a ${VAR:?} that is missing at reload keeps the running config', async () => {
    d = Daemon.start(`programs:${forever('app', 'x')}\n`);
    const daemon = d;
    await ready(daemon, 'app');
    writeFileSync(daemon.configPath, `programs:${forever('app', '${MUST_HAVE:?set it}')}\n`);
    const r = daemon.ctl('reload');
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/required variable MUST_HAVE is not set: set it/);
    expect(daemon.state('app')).toBe('RUNNING');
  });
});
