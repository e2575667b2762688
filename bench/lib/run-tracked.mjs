// Runs a short-lived command through the process tracker with a deadline, collecting its output
// and wall time (from the spawn to its exit).
import { performance } from 'node:perf_hooks';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {import('./procs.mjs').ProcessTracker} tracker
 * @param {string} cmd
 * @param {string[]} args
 * @param {{timeoutMs?: number, env?: NodeJS.ProcessEnv}} [opts]
 * @returns {Promise<{code: number | null, stdout: string, stderr: string, ms: number, timedOut: boolean}>}
 */
export async function runTracked(tracker, cmd, args, { timeoutMs = 30_000, env } = {}) {
  const t0 = performance.now();
  const { child, exited } = tracker.spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: env ?? process.env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c) => (stdout += c));
  child.stderr?.setEncoding('utf8').on('data', (c) => (stderr += c));
  let timedOut = false;
  const status = await Promise.race([
    exited,
    sleep(timeoutMs).then(() => {
      timedOut = true;
      return null;
    }),
  ]);
  const ms = performance.now() - t0;
  if (status === null) {
    try {
      if (child.pid) process.kill(child.pid, 'SIGKILL');
    } catch {
      // gone
    }
    await exited;
  }
  await new Promise((r) => setImmediate(r));
  return { code: status?.code ?? null, stdout, stderr, ms, timedOut };
}
