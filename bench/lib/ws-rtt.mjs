// Websocket echo round trips through the front door's /terminal: one connection, one small
// message at a time, bounded in count and time.
import WebSocket from 'ws';
import { percentile } from './stats.mjs';

/**
 * @param {string} url  ws://host:port/terminal
 * @param {{count: number, warmup?: number, timeoutMs?: number}} opts
 * @returns {Promise<{p50: number | null, p99: number | null, samples: number}>}
 */
export function wsRtt(url, { count, warmup = 50, timeoutMs = 15_000 }) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const rtts = [];
    const payload = 'x'.repeat(64);
    let sent = 0;
    let t0 = 0n;
    const deadline = Date.now() + timeoutMs;
    const finish = (err) => {
      clearTimeout(timer);
      ws.removeAllListeners('message');
      ws.terminate();
      if (err && rtts.length === 0) reject(err);
      else resolve({ p50: percentile(rtts, 50), p99: percentile(rtts, 99), samples: rtts.length });
    };
    const timer = setTimeout(() => finish(new Error('websocket echo timed out')), timeoutMs);
    const next = () => {
      if (sent >= warmup + count || Date.now() > deadline) return finish();
      sent++;
      t0 = process.hrtime.bigint();
      ws.send(payload);
    };
    ws.on('open', next);
    ws.on('message', () => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (sent > warmup) rtts.push(ms);
      next();
    });
    ws.on('error', (err) => finish(err));
  });
}
