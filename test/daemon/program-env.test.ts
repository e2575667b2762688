// What real programs see of apposd's environment: the base set and what pass_env names, with
// env_file and env on top and HOME/USER/LOGNAME following `user`; and what `apposd check`
// prints about it (names only).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon, MAIN, NODE } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait-for.js';

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

const SECRETS = {
  PB_SUPERUSER_EMAIL: 'admin@example.com',
  PB_SUPERUSER_PASSWORD: 'pw-7f3a9c-secret',
  DEPLOY_TOKEN: 'tok-11b2-secret',
  APP_MODE: 'prod',
  SHARED: 'from-apposd',
};

// A oneshot that prints its whole environment as one JSON line.
const dump = (name: string, extra = ''): string => `
  ${name}:
    kind: oneshot
    command: [${NODE}, -e, "console.log('ENV ' + JSON.stringify(process.env))"]${extra}`;

function envOf(dir: string, name: string): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, 'logs', `${name}.log`), 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n').find((l) => l.startsWith('ENV '));
  return line ? (JSON.parse(line.slice(4)) as Record<string, string>) : undefined;
}

describe('program environment', () => {
  it('passes a secret only to the programs whose pass_env names it', async () => {
    d = Daemon.start(
      `
log: { dir: $DIR/logs }
pass_env: [APP_*]
programs:${dump('plain')}${dump('superuser', '\n    pass_env: ["PB_SUPERUSER_*"]')}${dump(
        'layered',
        `
    user: nobody
    pass_env: [SHARED, DEPLOY_TOKEN]
    env_file: layered.env
    env: { FROM_ENV: yes, BOTH: env-wins }`,
      )}${dump('everything', '\n    pass_env: ["*"]')}
`,
      {
        env: { ...SECRETS, HOME: '/root', LANG: 'C.UTF-8', TZ: 'UTC' },
        files: { 'layered.env': 'SHARED=from-file\nBOTH=file\n' },
      },
    );
    const dir = d.dir;
    const seen = await waitFor(
      () => {
        const all = ['plain', 'superuser', 'layered', 'everything'].map((n) => envOf(dir, n));
        return all.every(Boolean) ? (all as Record<string, string>[]) : undefined;
      },
      { timeoutMs: 20_000, what: 'every oneshot to print its env' },
    );
    const [plain, superuser, layered, everything] = seen as [
      Record<string, string>,
      Record<string, string>,
      Record<string, string>,
      Record<string, string>,
    ];
    const base = ['HOME', 'LANG', 'PATH', 'TZ'];
    expect(Object.keys(plain).sort()).toEqual(
      [...base, 'APPOSD_PROGRAM', 'APP_MODE', ...presentOptional()].sort(),
    );
    expect(plain).toMatchObject({ APP_MODE: 'prod', TZ: 'UTC', HOME: '/root' });
    for (const secret of ['PB_SUPERUSER_PASSWORD', 'PB_SUPERUSER_EMAIL', 'DEPLOY_TOKEN']) {
      expect(plain).not.toHaveProperty(secret);
    }
    expect(superuser).toMatchObject({
      PB_SUPERUSER_EMAIL: 'admin@example.com',
      PB_SUPERUSER_PASSWORD: 'pw-7f3a9c-secret',
    });
    expect(superuser).not.toHaveProperty('DEPLOY_TOKEN');
    // env_file over pass_env, env over env_file; HOME/USER/LOGNAME follow `user`.
    expect(layered).toMatchObject({
      DEPLOY_TOKEN: 'tok-11b2-secret',
      SHARED: 'from-file',
      BOTH: 'env-wins',
      FROM_ENV: 'yes',
      USER: 'nobody',
      LOGNAME: 'nobody',
      HOME: '/nonexistent',
    });
    expect(layered).not.toHaveProperty('PB_SUPERUSER_PASSWORD');
    // ["*"]: the old behaviour, apposd's whole environment.
    expect(everything).toMatchObject(SECRETS);
    expect(everything.APPOS_CTL_SOCKET).toBe(d.socket);
    // No value of a secret reaches apposd's own log records.
    const own = d.records().filter((r) => !r.stream);
    for (const value of ['pw-7f3a9c-secret', 'tok-11b2-secret']) {
      expect(own.some((r) => JSON.stringify(r).includes(value))).toBe(false);
    }
  });

  it('apposd check lists the names each program will receive, never the values', () => {
    d = Daemon.start(
      `
programs:${dump('plain')}${dump('superuser', '\n    pass_env: ["PB_SUPERUSER_*"]\n    env: { TOKEN: "${DEPLOY_TOKEN}" }')}
`,
    );
    const r = spawnSync(NODE, [MAIN, 'check', '--config', d.configPath], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...SECRETS },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/plain[^\n]*\n(?: {8}[^\n]*\n)*? {8}env {8}PATH\n/);
    expect(r.stdout).toMatch(/ {8}env {8}PATH PB_SUPERUSER_EMAIL PB_SUPERUSER_PASSWORD TOKEN\n/);
    for (const value of Object.values(SECRETS)) expect(r.stdout + r.stderr).not.toContain(value);
  });
});

/** Base-set variables the test runner's own environment has and apposd passes on. */
function presentOptional(): string[] {
  return Object.keys(process.env).filter((n) => ['USER', 'LOGNAME'].includes(n) || /^LC_/.test(n));
}
