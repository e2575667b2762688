// The container story's small points: a Makefile with image/build/start/stop/logs/verify (verify
// runs appos-ctl doctor in the container), gcompat in Dockerfile.local, and the nightly backup
// in the production config.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ROOT } from '../helpers/daemon.js';

const dry = (target: string): string =>
  execFileSync('make', ['-n', '-C', ROOT, target], { encoding: 'utf8' }).replaceAll(
    /^make.*\n/gm,
    '',
  );

describe('container points', () => {
  it('the Makefile has image, build, start, stop, logs and verify', () => {
    expect(dry('verify')).toBe(
      'docker compose -f docker/docker-compose.yml exec appos appos-ctl doctor\n',
    );
    expect(dry('start')).toMatch(/docker volume create appos_data\ndocker compose .* up -d\n$/);
    expect(dry('image')).toMatch(/docker compose .* build/);
    expect(dry('build')).toMatch(/npm run build/);
    expect(dry('stop')).toMatch(/ stop\n$/);
    expect(dry('logs')).toMatch(/ logs -f/);
  });

  it('Dockerfile.local installs gcompat for glibc-built backends', () => {
    expect(readFileSync(join(ROOT, 'docker/Dockerfile.local'), 'utf8')).toMatch(
      /apk add --no-cache [^\n]*\bgcompat\b/,
    );
  });

  it('config/appos.yaml backs up nightly to /appos/data/backups and keeps 7', () => {
    const cfg = loadConfig(join(ROOT, 'config/appos.yaml'), {});
    expect(cfg.backups).toMatchObject({
      dir: '/appos/data/backups',
      schedule: '0 3 * * *',
      keep: 7,
    });
    expect(cfg.backups?.files).toEqual(['/appos/data/secret.key', '/appos/data/apps']);
    expect(cfg.backups?.sources.map((s) => [s.program, s.kind])).toEqual([
      ['redis', 'redis'],
      ['pocketbase', 'pocketbase'],
    ]);
  });
});
