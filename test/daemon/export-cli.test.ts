// The built `apposd export` command: its compose output passes Debian's `docker-compose config
// -q` (no engine needed), -o writes the file, notes go to stderr, and an unsupported feature
// exits 1 naming it with nothing written.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { tempDir } from '../helpers/temp.js';

const MAIN = resolve('dist/main.js');
const dirs: { cleanup: () => void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

function apposd(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 20_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function workDir(): string {
  const d = tempDir('apposd-export-cli-');
  dirs.push(d);
  return d.path;
}

describe.each(['config/appos.yaml', 'config/demo.yaml'])('apposd export of %s', (config) => {
  test('compose -o FILE passes docker-compose config -q', () => {
    const out = join(workDir(), 'compose.yaml');
    const r = apposd(['export', 'compose', '--config', config, '-o', out]);
    expect(r.stderr).not.toMatch(/cannot export/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^note: only edge publishes a port/m);
    const check = spawnSync('docker-compose', ['-f', out, 'config', '-q'], {
      encoding: 'utf8',
      cwd: resolve(out, '..'),
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  test('k8s prints multi-document YAML on stdout', () => {
    const r = apposd(['export', 'k8s', '--config', config]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kind: Deployment$/m);
    expect(r.stdout.split(/^---$/m).length).toBeGreaterThan(4);
  });
});

test('an unsupported feature exits 1, names it, and writes nothing', () => {
  const dir = workDir();
  const config = join(dir, 'appos.yaml');
  writeFileSync(config, 'programs:\n  db:\n    command: [db]\n    user: postgres\n');
  const out = join(dir, 'out.yaml');
  for (const target of ['compose', 'k8s']) {
    const r = apposd(['export', target, '--config', config, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/programs\.db\.user: user "postgres" does not map/);
    expect(existsSync(out)).toBe(false);
  }
});

test('a secret in the environment never reaches the export', () => {
  const dir = workDir();
  const config = join(dir, 'appos.yaml');
  writeFileSync(config, 'programs:\n  app:\n    command: [app]\n    env: { TOKEN: "${TOKEN}" }\n');
  for (const target of ['compose', 'k8s']) {
    const out = join(dir, `${target}.yaml`);
    const r = apposd(['export', target, '--config', config, '-o', out], {
      TOKEN: 'v4lue-0f-secret',
    });
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).not.toContain('v4lue-0f-secret');
    expect(r.stderr).not.toContain('v4lue-0f-secret');
  }
});

test('usage errors exit 2', () => {
  expect(apposd(['export']).code).toBe(2);
  expect(apposd(['export', 'swarm']).code).toBe(2);
  expect(apposd(['check', '-o', 'x']).code).toBe(2);
});
