// Semantic checks, all collected: names, dependencies (unknown, cycles, oneshot conditions),
// commands without a shell, probes, routes and the listen address.
import { resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadConfig } from '../../../src/config/load.js';
import { tempConfigs } from '../../helpers/config-file.js';

const configs = tempConfigs('apposd-checks-');
afterEach(() => configs.cleanup());

/** `line:col path: message` for every problem loading `file` reports. */
function problemsOfFile(file: string): string[] {
  try {
    loadConfig(file, {});
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
  }
  return [];
}

function problems(text: string): string[] {
  const file = configs.write(text);
  return problemsOfFile(file);
}

const fixture = (name: string): string => resolve('test/fixtures/config', name);

describe('programs', () => {
  test('names are [A-Za-z0-9_.-]+', () => {
    expect(
      problems('programs:\n  "my app":\n    command: [a]\n  ok.name_-1:\n    command: [b]\n'),
    ).toEqual([
      '2:3 programs["my app"]: program names may use only letters, digits, "_", "." and "-"',
    ]);
  });

  test('"all" is reserved for appos-ctl', () => {
    expect(problems('programs:\n  all:\n    command: [a]\n')).toEqual([
      '2:3 programs.all: "all" is reserved: appos-ctl uses it to mean every program',
    ]);
  });

  test('string commands with shell operators are refused', () => {
    expect(
      problems(`
programs:
  a:
    command: "redis-server | tee log"
  b:
    command: "start && serve"
`),
    ).toEqual([
      '4:14 programs.a.command: shell operator "|" in command: apposd never runs a shell; use [sh, -c, "..."]',
      '6:14 programs.b.command: shell operator "&&" in command: apposd never runs a shell; use [sh, -c, "..."]',
    ]);
  });

  test('backoff.initial may not exceed backoff.max; env names may not hold "="', () => {
    expect(
      problems(`
programs:
  a:
    command: [a]
    backoff: { initial: 1m, max: 10s }
    env: { "A=B": x }
`),
    ).toEqual([
      '5:16 programs.a.backoff.initial: must not be longer than backoff.max',
      '6:12 programs.a.env["A=B"]: an environment variable name cannot be empty or hold "="',
    ]);
  });
});

describe('dependencies', () => {
  test('unknown dependencies get a did-you-mean among program names', () => {
    expect(
      problems(`
programs:
  redis: { command: [redis-server] }
  backend:
    command: [backend]
    depends_on: [redsi, postgres]
`),
    ).toEqual([
      '6:18 programs.backend.depends_on[0]: unknown program "redsi" (did you mean "redis"?)',
      '6:25 programs.backend.depends_on[1]: unknown program "postgres"',
    ]);
  });

  test('cycles are named in full, self-dependencies too', () => {
    expect(problemsOfFile(fixture('cycle.yaml'))).toEqual([
      '11:18 programs.c.depends_on[0]: dependency cycle: a -> b -> c -> a',
      '14:18 programs.d.depends_on[0]: dependency cycle: d -> d',
    ]);
  });

  test('a oneshot depended on as ready, a daemon as completed', () => {
    expect(problemsOfFile(fixture('oneshot-deps.yaml'))).toEqual([
      '10:18 programs.app.depends_on[0]: "migrate" is a oneshot, ready only once completed (a list entry means ready); use migrate: completed',
      '13:39 programs.worker.depends_on.db: "db" is a daemon and never completes; use db: ready (or started)',
    ]);
  });

  test('a oneshot may be depended on as completed or started', () => {
    expect(
      problems(`
programs:
  init: { command: [init], kind: oneshot }
  app: { command: [app], depends_on: { init: completed } }
  side: { command: [side], depends_on: { init: started } }
`),
    ).toEqual([]);
  });
});

describe('probes', () => {
  test('exactly one kind, expect only with http, well-formed targets', () => {
    expect(
      problems(`
programs:
  a:
    command: [a]
    ready: { interval: 1s }
    live: { tcp: "nohost", expect: 200 }
  b:
    command: [b]
    ready: { http: "not a url" }
    live: { redis: "http://127.0.0.1:6379" }
  c:
    command: [c]
    ready: { exec: "check > /dev/null" }
    live: { pocketbase: "http://127.0.0.1:8090", exec: [check] }
`),
    ).toEqual([
      '5:5 programs.a.ready: a probe needs one of tcp, http, exec, redis, pocketbase',
      '6:18 programs.a.live.tcp: expected host:port like 127.0.0.1:8080, [::]:80 or :80',
      '6:28 programs.a.live.expect: expect applies to http probes only',
      '9:20 programs.b.ready.http: expected a URL like http://127.0.0.1:8080/healthz',
      '10:20 programs.b.live.redis: expected a URL like redis://127.0.0.1:6379',
      '13:20 programs.c.ready.exec: shell operator ">" in command: apposd never runs a shell; use [sh, -c, "..."]',
      '14:5 programs.c.live: a probe has exactly one kind, found exec and pocketbase',
    ]);
  });
});

describe('http', () => {
  test('listen, route paths, upstream xor static, options by route kind, duplicates', () => {
    expect(problemsOfFile(fixture('http-problems.yaml'))).toEqual([
      '2:11 http.listen: port 99999 is out of range (0-65535)',
      '4:13 http.routes[0].path: a route path starts with "/"',
      '6:16 http.routes[0].program: unknown program "bakend" (did you mean "backend"?)',
      '7:7 http.routes[1]: a route has both upstream and static: give exactly one',
      '12:7 http.routes[2].hold: hold applies to upstream routes only',
      '13:13 http.routes[3].path: duplicate route path (also http.routes[1])',
    ]);
  });

  test('more route rules', () => {
    expect(
      problems(`
http:
  listen: "localhost"
  routes:
    - path: /a
    - path: /b
      upstream: "ftp://x"
      hold: 2s
    - path: /c
      upstream: http://127.0.0.1:1
      spa: true
    - path: /d/
      static: ./d
    - path: /d
      static: ./d2
programs: {}
`),
    ).toEqual([
      '3:11 http.listen: expected host:port like 127.0.0.1:8080, [::]:80 or :80',
      '5:7 http.routes[0]: a route has neither upstream nor static: give exactly one',
      '7:17 http.routes[1].upstream: expected a URL like http://127.0.0.1:8080',
      '8:7 http.routes[1].hold: hold needs `program` or `probe` (whose return requests wait for)',
      '11:7 http.routes[2].spa: spa applies to static routes only',
      '14:13 http.routes[4].path: duplicate route path (also http.routes[3])',
    ]);
  });
});

test('schema and semantic problems are reported together', () => {
  expect(
    problems(`
shutdown_timout: 8s
programs:
  web:
    command: "serve | tee"
    depends_on: [db]
    restart: sometimes
`),
  ).toEqual([
    '2:1 shutdown_timout: unknown key (did you mean "shutdown_timeout"?)',
    '5:14 programs.web.command: shell operator "|" in command: apposd never runs a shell; use [sh, -c, "..."]',
    '6:18 programs.web.depends_on[0]: unknown program "db"',
    '7:14 programs.web.restart: expected one of always, on-failure, never; got "sometimes"',
  ]);
});

describe('route probes (edge-only mode)', () => {
  test('a config with routes and no programs is the edge alone', () => {
    expect(
      problems(`
http:
  routes:
    - { path: /api, upstream: "http://backend:8080", hold: 5s, probe: { http: "http://backend:8080/healthz" } }
    - { path: /ws, upstream: "http://backend:8080", probe: { http: "http://backend:8080/healthz" } }
`),
    ).toEqual([]);
  });

  test('probe rules: a valid probe, upstream routes only, not with program, one per upstream', () => {
    expect(
      problems(`
http:
  routes:
    - { path: /a, upstream: "http://b:80", probe: { tcp: "b" } }
    - { path: /s, static: ./s, probe: { tcp: "b:80" } }
    - { path: /p, upstream: "http://127.0.0.1:1", program: web, probe: { tcp: "127.0.0.1:1" } }
    - { path: /c, upstream: "http://c:80", probe: { tcp: "c:80" } }
    - { path: /d, upstream: "http://c:80", probe: { http: "http://c:80/" } }
programs:
  web: { command: [web] }
`),
    ).toEqual([
      '4:58 http.routes[0].probe.tcp: expected host:port like 127.0.0.1:8080, [::]:80 or :80',
      '5:32 http.routes[1].probe: probe applies to upstream routes only',
      '6:65 http.routes[2].probe: probe is for upstreams apposd does not run: drop `program`',
      '8:44 http.routes[4].probe: upstream c:80 has another probe in http.routes[3]: use one',
    ]);
  });
});
