// The container simulation once more with BusyBox's applets first on PATH, as on Alpine: the
// init scripts' sh, od, stat, id, head, tr ... are BusyBox's. First boot makes appos.db (owned
// by the programs' user) once; a second boot on the same volume keeps it.
import { execFileSync } from 'node:child_process';
import { readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ContainerStack, SIM_USER, createVolume, type Volume } from '../helpers/container-stack.js';
import { tempDir } from '../helpers/temp.js';

const applets = tempDir('apposd-busybox-');
const stacks: ContainerStack[] = [];
let volume: Volume | undefined;
afterAll(async () => {
  for (const s of stacks) await s.stop();
  volume?.cleanup();
  applets.cleanup();
});

const superuser = { email: 'box@appos.test', password: `Box-${Date.now()}` };

function uidOf(name: string): number {
  return Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
}

describe('container simulation on BusyBox', () => {
  it('boots with BusyBox applets first on PATH and makes appos.db once', async () => {
    execFileSync('busybox', ['--install', '-s', applets.path]);
    for (const tool of ['sh', 'od', 'stat', 'id', 'head', 'tr', 'chown', 'mkdir']) {
      expect(readlinkSync(join(applets.path, tool))).toMatch(/busybox$/);
    }
    const env = { PATH: `${applets.path}:${process.env.PATH ?? ''}` };
    volume = createVolume();

    const first = await ContainerStack.start(volume, superuser, env);
    stacks.push(first);
    await first.waitReady(60_000);
    const db = join(volume.data, 'appos.db');
    const made = statSync(db);
    expect(made.uid).toBe(uidOf(SIM_USER));
    expect(first.daemon.stdout).toContain(`init: created ${db}`);
    const key = statSync(join(volume.data, 'secret.key'));
    expect(key.mode & 0o777).toBe(0o600);
    await first.stop();

    const second = await ContainerStack.start(volume, superuser, env);
    stacks.push(second);
    await second.waitReady(60_000);
    expect(second.daemon.stdout).toContain(`init: ${db} kept`);
    expect(second.daemon.stdout).not.toContain('init: created');
    expect(statSync(db).ino).toBe(made.ino);
  });
});
