// The edge's evidence restarts a hung program: a real supervisor runs a backend that accepts
// connections and never answers; after the route's unhealthy_after timeouts in a row it is
// restarted like a failed live probe. Real child process, real sockets, real edge.
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createHttpServer, type HttpEdge } from '../../src/http/server.js';
import type { OutputSink } from '../../src/supervisor/api.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { healthReport } from '../../src/wire/views.js';
import { NODE, fixture } from '../helpers/daemon.js';
import { writeConfig } from '../helpers/config-file.js';
import { captureLogger } from '../helpers/http-edge.js';
import { freePort, tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

/** Program output is not under test here: read and dropped. */
const sink: OutputSink = {
  attach: (_p, _s, source) => void source.resume(),
  close: () => Promise.resolve(),
};

let supervisor: Supervisor | undefined;
let edge: HttpEdge | undefined;
const tmp = tempDir('apposd-evidence-');
afterEach(async () => {
  await edge?.close(500);
  await supervisor?.shutdown();
  edge = undefined;
  supervisor = undefined;
});

describe('edge evidence, end to end', () => {
  it(
    'restarts a backend that accepts and never answers after unhealthy_after timeouts',
    { timeout: 90_000 },
    async () => {
      const port = await freePort();
      const file = writeConfig(
        tmp.path,
        `
http:
  listen: 127.0.0.1:0
  routes:
    - path: /api
      upstream: http://127.0.0.1:${port}
      program: backend
      unhealthy_after: 3
programs:
  backend:
    command: [${NODE}, ${fixture('silent-server.mjs')}]
    env: { PORT: "${port}" }
    critical: true
    ready: { tcp: "127.0.0.1:${port}", interval: 100ms }
`,
      );
      const config = loadConfig(file, process.env, { hostChecks: true });
      const { logger } = captureLogger();
      supervisor = new Supervisor({
        programs: config.programs,
        shutdownTimeoutMs: 5_000,
        sink,
        logger,
        host: process,
      });
      supervisor.boot();
      const sup = supervisor;
      const running = () => {
        const s = sup.get('backend');
        return s?.state === 'RUNNING' ? s : undefined;
      };
      const first = await waitFor(running, { timeoutMs: 20_000, what: 'backend RUNNING' });
      edge = await createHttpServer({
        http: config.http!,
        supervisor,
        logger,
        limits: { idleTimeoutMs: 500, headersTimeoutMs: 200 },
      });
      const { port: edgePort } = await edge.listen();

      // Every request waits at most the listener's deadline, then 504.
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const r = await fetch(`http://127.0.0.1:${edgePort}/api/x`);
        expect(r.status).toBe(504);
        expect(Date.now() - started).toBeLessThan(10_000);
      }
      const stopping = await waitFor(
        () => sup.journal('backend').find((e) => e.to === 'STOPPING'),
        { timeoutMs: 10_000, what: 'backend to be stopped for its restart' },
      );
      expect(stopping.reason).toBe('upstream failed 3 times in a row (last: timeout)');
      expect(healthReport(sup).healthy).toBe(false);
      const again = await waitFor(
        () => {
          const s = running();
          return s?.pid !== first.pid ? s : undefined;
        },
        { timeoutMs: 20_000, what: 'backend RUNNING again with a new pid' },
      );
      // On a miss, the journal says what the second restart was for.
      expect(again.restarts, JSON.stringify(sup.journal('backend'))).toBe(1);
      expect(sup.journal('backend').find((e) => e.to === 'STARTING' && e.run === 2)?.reason).toBe(
        'restart: upstream failed 3 times in a row (last: timeout)',
      );
    },
  );
});
