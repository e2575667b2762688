// kill -9 of the backend under a steady trickle of GET /api/hello through the front door (one
// every 10 ms): the time until a new backend answers 200, and how many requests failed.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One GET /api/hello; resolves with its end time, status and the answering backend's pid. */
function hello(url, agent, timeoutMs) {
  return new Promise((resolve) => {
    const sentAt = performance.now();
    let settled = false;
    const done = (status, pid) => {
      if (settled) return;
      settled = true;
      resolve({ sentAt, doneAt: performance.now(), status, pid });
    };
    const req = request(url, { agent, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let pid;
        try {
          pid = JSON.parse(text).pid ?? 0;
        } catch {
          pid = 0;
        }
        done(res.statusCode ?? 0, pid);
      });
      res.on('error', () => done(0, 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => done(0, 0));
    req.end();
  });
}

/**
 * @param {string} url      http://host:port/api/hello
 * @param {() => number} backendPid  the backend's current pid (0 when none)
 * @param {{everyMs?: number, maxMs?: number, afterMs?: number}} [opts]
 * @returns {Promise<{recoveryMs: number | null, failed: number, inWindow: number, sent: number,
 *   killedPid: number, killEpoch: number}>}
 */
export async function crashWindow(
  url,
  backendPid,
  { everyMs = 10, maxMs = 15_000, afterMs = 300 } = {},
) {
  const killedPid = backendPid();
  if (!killedPid) throw new Error('no backend pid to kill');
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const results = [];
  const inflight = new Set();
  let killAt = Infinity;
  let killEpoch = 0;
  let recoveredAt = null;
  // The pid the backend reports itself (its PID namespace's: the stacks run as PID 1 of one),
  // from the last answer to a request sent before the kill; `killedPid` is the same process
  // as seen from here.
  let answering = 0;
  const loopStart = performance.now();
  try {
    for (let i = 0; ; i++) {
      const now = performance.now();
      if (now - loopStart > maxMs + 200) break;
      if (recoveredAt !== null && now > recoveredAt + afterMs) break;
      if (i === 20) {
        killAt = performance.now();
        killEpoch = Date.now();
        process.kill(killedPid, 'SIGKILL');
      }
      const p = hello(url, agent, 8000).then((r) => {
        results.push(r);
        if (r.status === 200 && r.sentAt < killAt) answering = r.pid;
        else if (r.status === 200 && r.pid !== 0 && r.pid !== answering) {
          recoveredAt = recoveredAt === null ? r.doneAt : Math.min(recoveredAt, r.doneAt);
        }
      });
      inflight.add(p);
      p.finally(() => inflight.delete(p));
      await sleep(Math.max(0, loopStart + (i + 1) * everyMs - performance.now()));
    }
    await Promise.race([Promise.all(inflight), sleep(9000)]);
  } finally {
    agent.destroy();
  }
  const end = recoveredAt ?? Infinity;
  return {
    recoveryMs: recoveredAt === null ? null : recoveredAt - killAt,
    failed: results.filter((r) => r.status !== 200).length,
    inWindow: results.filter((r) => r.sentAt >= killAt && r.sentAt <= end).length,
    sent: results.length,
    killedPid,
    killEpoch,
  };
}
