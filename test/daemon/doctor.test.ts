// appos-ctl doctor against the real apposd: ok on a sound stack on a bind-mounted data dir
// with a backup, exit 1 with the failing checks and their fixes when things are not.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DoctorResponse } from '../../src/control/protocol.js';
import { ctl, waitUp } from '../helpers/ctl-stack.js';
import { Daemon, NODE, fixture } from '../helpers/daemon.js';
import { freePort } from '../helpers/temp.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('appos-ctl doctor', () => {
  it('passes on a sound stack and names each failing check with its fix', async () => {
    const http = await freePort();
    const backend = await freePort();
    const d = Daemon.start(`data_dir: $DIR/data
shutdown_timeout: 8s
http:
  listen: 127.0.0.1:${http}
  routes:
    - { path: /api, upstream: "http://127.0.0.1:${backend}", program: backend }
backups: { dir: $DIR/data/backups, keep: 2, files: [secret.key] }
programs:
  backend:
    command: [${NODE}, ${fixture('talker.mjs')}, "0", "${backend}"]
    start_seconds: 100ms
    ready: { tcp: "127.0.0.1:${backend}", interval: 100ms }
`);
    cleanups.push(() => d.cleanup());
    const data = join(d.dir, 'data');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'secret.key'), 'k', { mode: 0o600 });
    // A bind mount, as compose's data-loss guard makes it.
    execFileSync('mount', ['--bind', data, data]);
    cleanups.push(() => {
      execFileSync('umount', ['-l', data]);
    });
    await waitUp(d, ['backend'], 30_000);

    const first = await ctl(d, 'doctor');
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(
      /^FAIL {2}last backup: no backup yet\n {6}fix: docker exec appos appos-ctl backup$/m,
    );
    expect(first.stdout).toMatch(/^ok {4}volume: bind mount of /m);
    expect(first.stdout).toMatch(/^ok {4}data dir: .* writable, \d+ MiB free$/m);
    expect(first.stdout).toMatch(/\n1 check\(s\) failed\n$/);

    expect((await ctl(d, 'backup')).code).toBe(0);
    const green = await ctl(d, 'doctor');
    expect(green.code, green.stdout).toBe(0);
    expect(green.stdout).toMatch(/all checks ok\n$/);

    await ctl(d, 'stop', 'backend');
    const red = await ctl(d, 'doctor', '--json');
    expect(red.code).toBe(1);
    const failed = (JSON.parse(red.stdout) as DoctorResponse).checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.name)).toEqual([
      'program backend',
      `listener upstream /api 127.0.0.1:${backend}`,
    ]);
    expect(failed[1]?.detail).toBe('refused (ECONNREFUSED)');
  });
});
