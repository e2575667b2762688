// The real apposd with an `http:` edge in front of the real example backend (supervised, with
// an HTTP ready probe), on free loopback ports, for the edge-daemon integration tests; plus a
// bounded client load loop and small readers of the edge's answers.
import { Agent } from 'node:http';
import { delimiter, join } from 'node:path';
import { Daemon, NODE, ROOT } from './daemon.js';
import { send } from './http-client.js';
import { freePort } from './temp.js';
import { waitFor } from './wait-for.js';

export const BACKEND_SCRIPT = join(ROOT, 'test/fixtures/example-backend.mjs');
export const DASHBOARD_DIR = join(ROOT, 'test/fixtures/dashboard');

export interface EdgeDaemonOptions {
  /** `hold` of the /api route (e.g. `5s`); none when absent. */
  hold?: string;
  /** Whether the backend is a critical program. */
  critical?: boolean;
  /** The backend's env besides PORT. */
  env?: Record<string, string>;
  /** The backend's command as a YAML flow list (default: node and the example backend). */
  command?: string;
  shutdownTimeout?: string;
  /** Whether `/` serves the dashboard (default true). */
  dashboard?: boolean;
  /** Files written into apposd's temp dir (`$DIR`) before it starts. */
  files?: Record<string, string>;
  /** `http.max_body` (e.g. `2GB`); the default when absent. */
  maxBody?: string;
}

/** A running apposd with its public base URL. */
export interface EdgeDaemon {
  readonly d: Daemon;
  readonly base: string;
  readonly httpPort: number;
  readonly backendPort: number;
}

/** The YAML of an apposd with /terminal, /api and / routes and one `backend` program. */
export function edgeYaml(httpPort: number, backendPort: number, o: EdgeDaemonOptions): string {
  const env = { PORT: String(backendPort), ...o.env };
  const envYaml = Object.entries(env)
    .map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`)
    .join('\n');
  return `
shutdown_timeout: ${o.shutdownTimeout ?? '8s'}
log: { format: json, level: debug }
http:
  listen: 127.0.0.1:${httpPort}${o.maxBody ? `\n  max_body: ${o.maxBody}` : ''}
  routes:
    - path: /terminal
      upstream: http://127.0.0.1:${backendPort}
      program: backend
      websocket: true
    - path: /api
      upstream: http://127.0.0.1:${backendPort}
      program: backend${o.hold ? `\n      hold: ${o.hold}` : ''}${
        o.dashboard === false
          ? ''
          : `\n    - path: /\n      static: ${DASHBOARD_DIR}\n      spa: true`
      }
programs:
  backend:
    command: ${o.command ?? `[${NODE}, ${BACKEND_SCRIPT}]`}
    critical: ${o.critical ?? false}
    stop_timeout: 2s
    env:
${envYaml}
    ready: { http: "http://127.0.0.1:${backendPort}/healthz", interval: 100ms }
`;
}

/**
 * Starts apposd and waits until the backend is RUNNING and /api/health answers 200; stops it
 * again when that does not happen.
 */
export async function startEdgeDaemon(o: EdgeDaemonOptions = {}): Promise<EdgeDaemon> {
  const [httpPort, backendPort] = [await freePort(), await freePort()];
  const d = Daemon.start(edgeYaml(httpPort, backendPort, o), { files: o.files });
  const base = `http://127.0.0.1:${httpPort}`;
  try {
    await d.waitState('backend', 'RUNNING', 20_000);
    await waitFor(
      async () => (await send(`${base}/api/health`, { timeoutMs: 2000 })).status === 200,
      { timeoutMs: 10_000, what: '/api/health 200' },
    );
  } catch (err) {
    const log = d.tailLog();
    await d.cleanup();
    throw new Error(`${(err as Error).message}\n${log}`, { cause: err });
  }
  return { d, base, httpPort, backendPort };
}

/** One request's outcome in a load loop. */
export interface Outcome {
  /** HTTP status, or 0 when the request failed without an answer. */
  status: number;
  /** Epoch ms the request was sent, and answered or failed. */
  start: number;
  end: number;
  error?: string;
  body?: string;
}

/** A running load loop: its outcomes so far (grows) and its end. */
export interface Load {
  readonly outcomes: readonly Outcome[];
  /** Resolves with every outcome once all loops ended. */
  readonly done: Promise<Outcome[]>;
}

/**
 * Runs `loops` concurrent keep-alive clients, each sending GET `url` one after another until
 * `stop` resolves, `maxPerLoop` requests were sent, or `maxMs` passed.
 */
export function loadLoop(
  url: string,
  opts: { loops: number; maxPerLoop: number; maxMs: number; stop: Promise<unknown> },
): Load {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.loops });
  let stopped = false;
  void opts.stop.then(() => (stopped = true));
  const deadline = Date.now() + opts.maxMs;
  const outcomes: Outcome[] = [];
  const loop = async (): Promise<void> => {
    for (let i = 0; i < opts.maxPerLoop && !stopped && Date.now() < deadline; i++) {
      const start = Date.now();
      try {
        const r = await send(url, { agent, timeoutMs: 15_000 });
        outcomes.push({ status: r.status, start, end: Date.now(), body: r.text() });
      } catch (err) {
        outcomes.push({ status: 0, start, end: Date.now(), error: String(err) });
      }
    }
  };
  const done = Promise.all(Array.from({ length: opts.loops }, loop))
    .then(() => outcomes)
    .finally(() => agent.destroy());
  return { outcomes, done };
}

/** /api/health's answer: status and parsed body. */
export async function health(
  base: string,
  agent?: Agent,
): Promise<{ status: number; body: HealthBody; text: string }> {
  const r = await send(`${base}/api/health`, { agent, timeoutMs: 5000 });
  return { status: r.status, body: r.json() as HealthBody, text: r.text() };
}

/** CONTRACT.md "Health". */
export interface HealthBody {
  status: 'starting' | 'ok' | 'degraded' | 'stopping';
  uptime_s: number;
  programs: Record<
    string,
    {
      state: string;
      ready: boolean;
      healthy: boolean;
      pid: number | null;
      uptime_s: number;
      restarts: number;
      critical: boolean;
      last_exit: { code: number | null; signal: string | null; at: string } | null;
      probe?: { ok: boolean; latency_ms: number; at: string; error?: string } | null;
    }
  >;
}

/** The PATH `npm start` runs with: node_modules/.bin (pocketbase) first. */
export const NPM_PATH = [join(ROOT, 'node_modules/.bin'), process.env.PATH ?? ''].join(delimiter);

/**
 * Starts apposd on the repository's config/demo.yaml from the repository root, as `npm start`
 * does, with every port free and the data dir and control socket in the daemon's temp dir.
 */
export async function startDemo(
  path = NPM_PATH,
): Promise<{ d: Daemon; base: string; port: number }> {
  const [httpPort, redisPort, pbPort, backendPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const env: Record<string, string> = {
    PATH: path,
    APPOS_HTTP_LISTEN: `127.0.0.1:${httpPort}`,
    REDIS_PORT: String(redisPort),
    POCKETBASE_PORT: String(pbPort),
    BACKEND_PORT: String(backendPort),
    APPOS_DATA_DIR: '$DIR/data',
    APPOS_CTL_SOCKET: '$DIR/ctl.sock',
  };
  const d = Daemon.startWithConfig(join(ROOT, 'config/demo.yaml'), { cwd: ROOT, env });
  return { d, base: `http://127.0.0.1:${httpPort}`, port: httpPort };
}
