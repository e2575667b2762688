// Runs the public HTTP listener in a process of its own (for RSS measurements): argv[2] is a
// JSON { http: HttpConfig, programs: FakeProgram[] }. Prints {"port":N} once listening;
// SIGTERM closes the edge and exits 0. Run from its compiled form (see http-harness.ts).
import type { HttpConfig } from '../../src/config/types.js';
import { createHttpServer } from '../../src/http/server.js';
import { FakeSupervisor, type FakeProgram } from './http-fake-supervisor.js';

const input = JSON.parse(process.argv[2] ?? '{}') as { http: HttpConfig; programs?: FakeProgram[] };
const quiet = (): void => undefined;
const logger = { debug: quiet, info: quiet, warn: quiet, error: quiet };
const edge = await createHttpServer({
  http: input.http,
  supervisor: new FakeSupervisor(input.programs ?? []),
  logger,
});
const { port } = await edge.listen();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.once('SIGTERM', () => {
  void edge.close(2000).then(() => process.exit(0));
});
