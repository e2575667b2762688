// The image files, checked for what the runtime needs since no Docker engine runs here:
// ENTRYPOINT apposd, the HEALTHCHECK through appos-ctl, SIGTERM, the volume and port, apposd
// left root; every COPY source present and not dockerignored; the paths the image puts things
// at are the config's defaults; compose's stop grace covers the shutdown timeout; and the
// config the image copies passes `apposd check` with the env the image sets.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { parseDuration } from '../../src/config/units.js';
import { MAIN, NODE, ROOT } from '../helpers/daemon.js';

interface Instruction {
  op: string;
  args: string;
}

/** Instructions of a Dockerfile (continuations joined, comments dropped), split in stages. */
function stages(file: string): Instruction[][] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && current === '')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  const out: Instruction[][] = [];
  for (const l of logical.filter((x) => x !== '')) {
    const [op = '', ...rest] = l.split(/\s+/);
    const ins = { op: op.toUpperCase(), args: rest.join(' ') };
    if (ins.op === 'FROM') out.push([]);
    out.at(-1)?.push(ins);
  }
  return out;
}

/** `ENV A=b C=d` of a stage, merged. */
function envOf(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.filter((x) => x.op === 'ENV')) {
    for (const pair of i.args.split(/\s+/)) {
      const eq = pair.indexOf('=');
      if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
}

/** COPY instructions of a stage without --from: [sources, destination]. */
function localCopies(stage: Instruction[]): [string[], string][] {
  return stage
    .filter((i) => i.op === 'COPY' && !i.args.includes('--from='))
    .map((i) => {
      const words = i.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      return [words.slice(0, -1), words.at(-1) ?? ''];
    });
}

/** Whether the build context leaves `path` out, by .dockerignore's root-relative patterns. */
function dockerignored(path: string): boolean {
  const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  let ignored = false;
  for (const p of patterns) {
    const negate = p.startsWith('!');
    const glob = (negate ? p.slice(1) : p).replace(/^\/+/, '');
    const re = new RegExp(
      `^${glob
        .split('**/')
        .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*'))
        .join('(?:.*/)?')}(?:/.*)?$`,
    );
    if (re.test(path)) ignored = !negate;
  }
  return ignored;
}

const IMAGE_FILES = ['docker/Dockerfile', 'docker/Dockerfile.local'];

/** The final stage of a Dockerfile. */
function runtime(file: string): Instruction[] {
  return stages(file).at(-1) ?? [];
}

function one(stage: Instruction[], op: string): string {
  const found = stage.filter((i) => i.op === op);
  expect(found, op).toHaveLength(1);
  return found[0]?.args ?? '';
}

describe.each(IMAGE_FILES)('%s', (file) => {
  const stage = runtime(file);

  it('starts apposd as PID 1, stops it with SIGTERM and checks health with appos-ctl', () => {
    expect(JSON.parse(one(stage, 'ENTRYPOINT'))).toEqual(['apposd']);
    expect(stage.some((i) => i.op === 'CMD')).toBe(false);
    expect(one(stage, 'STOPSIGNAL')).toBe('SIGTERM');
    const health = one(stage, 'HEALTHCHECK');
    expect(JSON.parse(health.slice(health.indexOf('CMD ') + 4))).toEqual(['appos-ctl', 'health']);
    expect(one(stage, 'VOLUME')).toBe('/appos/data');
    expect(one(stage, 'EXPOSE')).toBe('80');
    // apposd stays root (port 80, the volume's owners); the programs get `user: appos`.
    expect(stage.some((i) => i.op === 'USER')).toBe(false);
    expect(stage.find((i) => i.op === 'RUN' && i.args.includes('adduser'))?.args).toMatch(
      /adduser .*\bappos$/,
    );
    expect(stage[0]?.args).toMatch(/^alpine:/);
  });

  it('puts apposd and appos-ctl on PATH as the package bins', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    const run = stage.map((i) => i.args).join('\n');
    for (const [name, target] of Object.entries(pkg.bin)) {
      expect(run).toContain(`ln -s /opt/apposd/${target} /usr/local/bin/${name}`);
      const src = readFileSync(join(ROOT, target), 'utf8');
      expect(src.startsWith('#!/usr/bin/env node\n'), target).toBe(true);
    }
  });

  it('copies only what exists and is in the build context', () => {
    for (const s of stages(file)) {
      for (const [sources] of localCopies(s)) {
        for (const src of sources) {
          if (src.startsWith('docker/artifacts/')) continue; // made by docker/stage-local.sh
          expect(existsSync(join(ROOT, src)), src).toBe(true);
          expect(dockerignored(src), `${src} is dockerignored`).toBe(false);
        }
      }
    }
  });

  it('copies the config where APPOS_CONFIG points, and it passes `apposd check` with the image env', () => {
    const env = envOf(stage);
    const copies = localCopies(stage);
    const configDest = copies.find(([s]) => s.includes('config/appos.yaml'))?.[1];
    expect(configDest).toBe(env.APPOS_CONFIG);
    const initDest = copies.find(([s]) => s.includes('config/init'))?.[1];

    // The image's paths are the config's defaults.
    const cfg = loadConfig(join(ROOT, 'config/appos.yaml'), env);
    expect(cfg.dataDir).toBe(one(stage, 'VOLUME'));
    expect(cfg.http?.port).toBe(Number(one(stage, 'EXPOSE')));
    for (const p of cfg.programs.filter((x) => x.command[0] === 'sh')) {
      expect(p.command[1]?.startsWith(`${initDest}/`), p.name).toBe(true);
      expect(
        existsSync(join(ROOT, 'config/init', p.command[1]?.split('/').at(-1) ?? '')),
        p.name,
      ).toBe(true);
    }
    // The backend binary and the dashboard land where the config looks for them.
    const dests = stage
      .filter((i) => i.op === 'COPY')
      .map((i) => (i.args.split(/\s+/).at(-1) ?? '').replace(/(.)\/$/, '$1'));
    const backend = cfg.programs.find((p) => p.name === 'backend');
    expect(dests).toContain(backend?.env.APPOS_BACKEND_BIN);
    expect(dests).toContain(cfg.http?.routes.find((r) => r.path === '/')?.static);
    expect(cfg.programs.filter((p) => p.user !== undefined).every((p) => p.user === 'appos')).toBe(
      true,
    );

    const r = spawnSync(NODE, [MAIN, 'check', '--config', join(ROOT, 'config/appos.yaml')], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      timeout: 30_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/is valid/);
    expect(r.stdout).not.toMatch(/warnings/);
  });
});

describe('docker/Dockerfile', () => {
  const all = stages('docker/Dockerfile');

  it('builds apposd on musl with npm ci, builds it and prunes it to production dependencies', () => {
    const build = all.find((s) => s[0]?.args.includes(' AS apposd')) ?? [];
    expect(build[0]?.args).toMatch(/^node:\$\{NODE_MAJOR\}-alpine/);
    const run = build
      .filter((i) => i.op === 'RUN')
      .map((i) => i.args)
      .join('\n');
    expect(run).toContain('npm ci');
    expect(run).toContain('npm run build');
    expect(run).toContain('npm prune --omit=dev');
  });

  it('fetches PocketBase by version (0.36.2 by default) and verifies its sha256', () => {
    const pb = all.find((s) => s[0]?.args.includes(' AS pocketbase')) ?? [];
    expect(pb.find((i) => i.op === 'ARG' && i.args.startsWith('PB_VERSION='))?.args).toBe(
      'PB_VERSION=0.36.2',
    );
    const run = pb
      .filter((i) => i.op === 'RUN')
      .map((i) => i.args)
      .join('\n');
    expect(run).toContain('sha256sum -c');
    expect(run).toContain('pocketbase_${PB_VERSION}_linux_${arch}.zip');
    for (const line of readFileSync(join(ROOT, 'docker/pocketbase.sha256'), 'utf8').split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      expect(line).toMatch(
        /^[0-9a-f]{64} {2}pocketbase_\d+\.\d+\.\d+_linux_(amd64|arm64|armv7)\.zip$/,
      );
    }
  });
});

describe('docker/docker-compose.yml and docker/.env.example', () => {
  const compose = parseYaml(readFileSync(join(ROOT, 'docker/docker-compose.yml'), 'utf8')) as {
    services: Record<string, Record<string, unknown>>;
    volumes: Record<string, unknown>;
  };
  const service = compose.services.appos ?? {};

  it('gives apposd a stop grace of at least its shutdown timeout, and restarts it', () => {
    const cfg = loadConfig(join(ROOT, 'config/appos.yaml'), {});
    const grace = parseDuration(String(service.stop_grace_period));
    expect(grace).toBeGreaterThanOrEqual(cfg.shutdownTimeoutMs);
    expect(service.stop_signal ?? 'SIGTERM').toBe('SIGTERM');
    expect(service.restart).toMatch(/^(always|unless-stopped|on-failure)/);
    expect((service.build as { dockerfile: string }).dockerfile).toBe('docker/Dockerfile');
  });

  it('keeps the data on an external volume at /appos/data and the port and secrets in .env', () => {
    expect(service.volumes).toEqual(['${APPOS_DATA_PATH:-appos_data}:/appos/data']);
    expect(Object.keys(compose.volumes)).toEqual(['appos_data']);
    // The data-loss guard: `docker compose down -v` never deletes an external volume.
    expect(compose.volumes.appos_data).toEqual({ external: true, name: 'appos_data' });
    expect((service.environment as Record<string, string>).APPOS_DATA_VOLUME).toBe('external');
    expect(service.ports).toEqual(['${HTTP_PORT:-80}:80']);
    const text = readFileSync(join(ROOT, 'docker/docker-compose.yml'), 'utf8');
    const used = new Set([...text.matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]));
    const example = readFileSync(join(ROOT, 'docker/.env.example'), 'utf8');
    const defined = new Set([...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]));
    for (const name of used) expect(defined.has(name), `${name} in .env.example`).toBe(true);
    for (const name of [
      'HTTP_PORT',
      'CONTAINER_NAME',
      'IMAGE_NAME',
      'APPOS_DATA_PATH',
      'PB_SUPERUSER_EMAIL',
      'PB_SUPERUSER_PASSWORD',
    ]) {
      expect(defined.has(name), name).toBe(true);
    }
    expect(example).toMatch(/^PB_SUPERUSER_PASSWORD=$/m);
  });

  it('keeps .env and node_modules out of the build context', () => {
    expect(dockerignored('.env')).toBe(true);
    expect(dockerignored('docker/.env')).toBe(true);
    expect(dockerignored('node_modules')).toBe(true);
    expect(dockerignored('node_modules/fastify/package.json')).toBe(true);
    expect(dockerignored('docker/.env.example')).toBe(false);
    expect(dockerignored('docker/artifacts/apposd/node_modules/fastify/package.json')).toBe(false);
  });
});

describe('the first-boot scripts', () => {
  it('are plain POSIX sh', () => {
    for (const f of ['first-boot.sh', 'pocketbase-superuser.sh', 'run-backend.sh']) {
      const r = spawnSync('dash', ['-n', join(ROOT, 'config/init', f)], { encoding: 'utf8' });
      expect(r.status, `${f}: ${r.stderr}`).toBe(0);
      expect(readFileSync(join(ROOT, 'config/init', f), 'utf8').startsWith('#!/bin/sh\n')).toBe(
        true,
      );
    }
  });
});
