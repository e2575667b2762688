// The soak's steady traffic through apposd's public listener, at fixed rates: small JSON,
// static files, websocket echoes, server-sent events and uploads. Every request has a deadline;
// each outcome is counted by kind: ok, a state-naming 502/503/504, or a failure.
import { request } from 'node:http';
import WebSocket from 'ws';

/**
 * Longest a request may take: apposd's own deadline for a proxied request is its listener's
 * idle timeout (60 s, then 504), plus a margin. Answers slower than SLOW_MS are counted apart.
 */
export const DEADLINE_MS = 65_000;
export const SLOW_MS = 15_000;

/** Outcome counters; `failures` keeps a few examples of each failing kind. */
export class Tally {
  counts = new Map();
  examples = new Map();
  /** Slowest answer seen, and how many took longer than SLOW_MS. */
  maxMs = 0;
  slow = 0;
  /** @param {number} ms */
  took(ms) {
    this.maxMs = Math.max(this.maxMs, ms);
    if (ms > SLOW_MS) this.slow++;
  }
  /** @param {string} kind @param {string} [detail] */
  add(kind, detail) {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    if (detail && !/^(ok|state|cut)/.test(kind)) {
      const list = this.examples.get(kind) ?? [];
      if (list.length < 20) list.push(detail);
      this.examples.set(kind, list);
    }
  }
  get total() {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }
  /** Kinds that are neither ok nor a state-naming answer. */
  failures() {
    return Object.fromEntries([...this.counts].filter(([k]) => !/^(ok|state|cut)/.test(k)));
  }
}

/** Whether a 502/503/504 body names the program's state, as the contract says. */
function namesState(body) {
  try {
    const j = JSON.parse(body);
    return typeof j.program === 'string' && typeof j.state === 'string';
  } catch {
    return false;
  }
}

/**
 * One HTTP request with a deadline; resolves with its outcome kind, never rejects.
 * @param {string} base @param {string} name @param {{method?: string, path: string, body?: Buffer, sse?: boolean}} r
 */
function httpOnce(base, name, r) {
  return new Promise((resolve) => {
    const url = new URL(r.path, base);
    let done = false;
    const finish = (kind, detail) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve([kind, detail]);
    };
    const req = request(url, { method: r.method ?? 'GET', agent: false }, (res) => {
      const status = res.statusCode ?? 0;
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      // The upstream died mid-body (a kill -9): apposd cuts the answer rather than let it hang.
      res.on('error', () => finish('cut: upstream died mid-response'));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (status === 200) {
          if (r.sse && !body.includes('data:')) finish(`${name}:sse-empty`, body.slice(0, 80));
          else finish('ok');
        } else if ([502, 503, 504].includes(status) && namesState(body)) finish(`state ${status}`);
        else finish(`${name}:status-${status}`, body.slice(0, 120));
      });
    });
    const timer = setTimeout(() => {
      finish(`${name}:hung`, `${r.path} past ${DEADLINE_MS} ms`);
      req.destroy();
    }, DEADLINE_MS);
    req.on('error', (e) => finish(`${name}:error`, e.message));
    if (r.body) req.setHeader('content-length', r.body.length);
    req.end(r.body);
  });
}

/** One websocket echo on /terminal with a deadline. */
function wsOnce(wsBase) {
  return new Promise((resolve) => {
    let done = false;
    const ws = new WebSocket(`${wsBase}/terminal`);
    const finish = (kind, detail) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ws.terminate();
      resolve([kind, detail]);
    };
    const timer = setTimeout(() => finish('ws:hung', `past ${DEADLINE_MS} ms`), DEADLINE_MS);
    ws.on('open', () => ws.send('ping soak'));
    ws.on('message', (m) =>
      String(m) === 'ping soak' ? finish('ok') : finish('ws:bad-echo', String(m)),
    );
    ws.on('unexpected-response', (_req, res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if ([502, 503, 504].includes(status) && namesState(body)) finish(`state ${status}`);
        else finish(`ws:status-${status}`, body.slice(0, 120));
      });
    });
    // A backend killed mid-echo closes the tunnel: that is the program's death, not a hang.
    ws.on('close', () => finish('cut: websocket closed by a dying upstream'));
    ws.on('error', (e) => finish('ws:error', e.message));
  });
}

const UPLOAD = Buffer.alloc(256 * 1024, 7);

/** The traffic mix: [name, interval ms, one request]. */
function mix(base) {
  const wsBase = base.replace(/^http/, 'ws');
  return [
    ['json', 25, () => httpOnce(base, 'json', { path: '/api/hello' })],
    ['static', 100, () => httpOnce(base, 'static', { path: '/' })],
    ['ws', 500, () => wsOnce(wsBase)],
    ['sse', 1000, () => httpOnce(base, 'sse', { path: '/api/events?n=3&ms=50', sse: true })],
    [
      'upload',
      1000,
      () => httpOnce(base, 'upload', { method: 'POST', path: '/api/upload', body: UPLOAD }),
    ],
  ];
}

/**
 * Starts the traffic; `stop()` ends it and resolves once every request in flight settled.
 * @param {string} base @param {Tally} tally @param {number} [t0] when the soak began
 */
export function startLoad(base, tally, t0 = Date.now()) {
  const inflight = new Set();
  const timers = mix(base).map(([, every, once]) =>
    setInterval(() => {
      const sent = Date.now();
      const p = once().then(([kind, detail]) => {
        tally.took(Date.now() - sent);
        const at = `sent at ${((sent - t0) / 1000).toFixed(0)}s`;
        tally.add(kind, detail === undefined ? undefined : `${detail} (${at})`);
      });
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    }, every),
  );
  return {
    async stop() {
      for (const t of timers) clearInterval(t);
      await Promise.all([...inflight]);
    },
  };
}
