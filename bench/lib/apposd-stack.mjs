// apposd with a config equivalent to the classic stack: the same children, priorities and
// start_seconds, plus what apposd adds (readiness gating, `hold` on /api), and the same routes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PATHS, Stack } from './stack.mjs';

const q = (s) => JSON.stringify(s);

/** apposd (dist/main.js) as the supervisor and the front door. */
export class ApposdStack extends Stack {
  get conf() {
    return join(this.dir, 'appos.yaml');
  }

  get socket() {
    return join(this.dir, 'ctl.sock');
  }

  command() {
    return [PATHS.node, [PATHS.apposd, '--config', this.conf]];
  }

  writeConfig() {
    const { dataDir, webDir, ports } = this.settings;
    const d = this.dir;
    const head = `data_dir: ${q(dataDir)}
shutdown_timeout: 8s
log:
  format: json
  level: info
  dir: ${q(join(d, 'logs'))}
  max_bytes: 10MB
  backups: 3
control:
  socket: ${q(this.socket)}
`;
    if (this.programs === 'orphans') {
      writeFileSync(
        this.conf,
        `${head}programs:
  orphans:
    command: [sh, ${q(PATHS.orphans)}, "200", "0.2"]
    priority: 10
`,
      );
      return;
    }
    const backend = `http://127.0.0.1:${ports.backend}`;
    writeFileSync(
      this.conf,
      `${head}http:
  listen: 127.0.0.1:${ports.http}
  max_body: 100MB
  compress: true
  access_log: true
  routes:
    - path: /terminal
      upstream: ${backend}
      program: backend
      websocket: true
    - path: /api
      upstream: ${backend}
      program: backend
      hold: 5s
    - path: /pb
      upstream: http://127.0.0.1:${ports.pocketbase}
      program: pocketbase
      strip_prefix: true
      websocket: true
    - path: /
      static: ${q(webDir)}
      spa: true
programs:
  redis:
    command: [redis-server, --port, "${ports.redis}", --bind, 127.0.0.1, --dir, ${q(`${dataDir}/redis`)}, --appendonly, "yes", --save, ""]
    priority: 10
    critical: true
    ready: { redis: "redis://127.0.0.1:${ports.redis}" }
  pocketbase:
    command: [${q(PATHS.pocketbase)}, serve, --http, "127.0.0.1:${ports.pocketbase}", --dir, ${q(`${dataDir}/pocketbase`)}]
    priority: 20
    ready: { pocketbase: "http://127.0.0.1:${ports.pocketbase}" }
  backend:
    command: [${q(PATHS.node)}, ${q(PATHS.backend)}]
    priority: 30
    depends_on: { redis: ready, pocketbase: ready }
    env:
      PORT: "${ports.backend}"
      REDIS_ADDR: "127.0.0.1:${ports.redis}"
      POCKETBASE_URL: "http://127.0.0.1:${ports.pocketbase}"
    ready: { http: "${backend}/healthz" }
`,
    );
  }

  /** apposd's JSON log records so far. */
  records() {
    let text;
    try {
      text = readFileSync(join(this.dir, 'stdout.log'), 'utf8');
    } catch {
      return [];
    }
    const out = [];
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        // a line still being written
      }
    }
    return out;
  }

  /** apposd alone: the supervision + proxy layer. */
  layerPids() {
    const pid = this.supervisorPid();
    return pid ? [pid] : [];
  }

  /** Epoch ms of apposd's first "<name> spawned (pid N)" record, or null. */
  firstSpawnAt() {
    const r = this.records().find(
      (x) => typeof x.msg === 'string' && / spawned \(pid /.test(x.msg),
    );
    return r ? r.time : null;
  }

  /** What happened when, in ms since the launch: spawns, RUNNING, listeners (for the JSON). */
  timeline() {
    const wanted = / spawned \(pid |: ready probe passed|RUNNING|listening|starting \(|exited/;
    // Children's own "up" lines, as relayed (with the time apposd read them).
    const up = /listening on|Server started|Ready to accept/;
    return this.records()
      .filter(
        (r) =>
          typeof r.msg === 'string' &&
          (r.stream === undefined ? wanted.test(r.msg) : up.test(r.msg)),
      )
      .map((r) => ({ ms: r.time - this.launchAt, event: r.msg }));
  }

  /** Whether a program's output (relayed to apposd's stdout) contains `text`. */
  outputContains(name, text) {
    return this.records().some((r) => r.program === name && String(r.msg).includes(text));
  }

  /** @returns {[string, string[]]} */
  statusCommand() {
    return [PATHS.node, [PATHS.ctl, '--socket', this.socket, 'status']];
  }
}
