// The benchmark's pieces (bench/check-pieces.mjs): each stack launches, answers on every
// front-door route and stops on SIGTERM with nothing left behind, and an interrupted bench
// still stops every process it started. Both run as the image runs them: PID 1 of a PID
// namespace (`unshare` above them). The classic stack is skipped when supervisord or nginx
// is not installed; the apposd side always runs.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, ROOT } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait-for.js';

const SCRIPT = join(ROOT, 'bench/check-pieces.mjs');

interface StackCheck {
  skipped?: string;
  routes?: Record<string, number>;
  tree?: { pid: number; comm: string }[];
  layer?: number;
  stopped?: { ms: number | null; processes: number; forced: boolean };
}

interface PiecesResult {
  dir: string;
  stacks: Record<string, StackCheck>;
  leftovers: number[];
  seen: number[];
  error?: string;
}

/** Binaries the classic stack needs that are not installed. */
function missingClassic(): string[] {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin'];
  return ['supervisord', 'supervisorctl', 'nginx'].filter(
    (b) => !dirs.some((d) => existsSync(join(d, b))),
  );
}

/** pid -> [ppid, state, start time] of every process. */
function processTable(): Map<number, [number, string, string]> {
  const table = new Map<number, [number, string, string]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(name), [Number(f[1]), f[0]!, f[19]!]);
    } catch {
      // gone
    }
  }
  return table;
}

/** Live descendants of `root` as "pid:starttime" keys. */
function descendants(root: number): string[] {
  const table = processTable();
  const out: string[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [pid, [ppid, state, start]] of table) {
      if (ppid !== parent) continue;
      queue.push(pid);
      if (state !== 'Z') out.push(`${pid}:${start}`);
    }
  }
  return out;
}

/** Which of the "pid:starttime" keys are still alive (same pid and start time, not a zombie). */
function stillAlive(keys: string[]): string[] {
  const table = processTable();
  return keys.filter((k) => {
    const [pid, start] = k.split(':');
    const row = table.get(Number(pid));
    return row !== undefined && row[1] !== 'Z' && row[2] === start;
  });
}

/** Live processes started for the bench run in `dir` (by the marker in their environment). */
function marked(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      const env = readFileSync(`/proc/${name}/environ`, 'latin1');
      if (env.includes(`APPOS_BENCH=${dir}/`)) out.push(Number(name));
    } catch {
      // gone or not readable
    }
  }
  return out;
}

let running: ChildProcess | undefined;
afterEach(async () => {
  const child = running;
  running = undefined;
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  // A failed test: stop check-pieces and everything under it, by pid.
  const tree = descendants(child.pid);
  child.kill('SIGKILL');
  for (const key of tree) {
    try {
      process.kill(Number(key.split(':')[0]), 'SIGKILL');
    } catch {
      // gone
    }
  }
  await waitFor(() => stillAlive(tree).length === 0, { timeoutMs: 5000, what: 'cleanup' });
});

/** Runs check-pieces.mjs to completion; resolves with its JSON result. */
function runPieces(only: 'apposd' | 'classic'): Promise<PiecesResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [SCRIPT, '--only', only], { cwd: ROOT });
    running = child;
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(out) as PiecesResult);
      } catch {
        reject(new Error(`check-pieces printed no result\n${out}\n${err}`));
      }
    });
  });
}

function expectClean(r: PiecesResult, name: string, layer: number): void {
  expect(r.error).toBeUndefined();
  const s = r.stacks[name]!;
  expect(s.routes).toEqual({
    '/api/hello': 200,
    '/pb/api/health': 200,
    '/': 200,
    '/assets/app-3f2a1b.js': 200,
  });
  expect(s.layer).toBe(layer);
  expect(s.stopped?.forced).toBe(false);
  expect(s.stopped?.processes).toBe(s.tree?.length);
  expect(r.leftovers).toEqual([]);
  expect(marked(r.dir)).toEqual([]);
  expect(existsSync(r.dir)).toBe(false);
}

describe('bench pieces', () => {
  it('apposd with redis, PocketBase and the backend starts, answers and stops cleanly', async () => {
    const r = await runPieces('apposd');
    expectClean(r, 'apposd', 1);
    expect(r.stacks.apposd!.tree!.map((p) => p.comm).sort()).toEqual(
      ['unshare', 'node', 'node', 'pocketbase', 'redis-server'].sort(),
    );
  });

  const missing = missingClassic();
  it.skipIf(missing.length > 0)(
    `supervisord + nginx with the same children starts, answers and stops cleanly${
      missing.length > 0 ? ` (skipped: ${missing.join(', ')} not installed)` : ''
    }`,
    async () => {
      const r = await runPieces('classic');
      // supervisord, nginx's master and its workers (one per core).
      expectClean(
        r,
        'classic',
        r.stacks.classic!.tree!.filter((p) => /nginx|supervisord/.test(p.comm)).length,
      );
      const comms = new Set(r.stacks.classic!.tree!.map((p) => p.comm));
      expect([...comms].sort()).toEqual([
        'nginx',
        'node',
        'pocketbase',
        'redis-server',
        'supervisord',
        'unshare',
      ]);
    },
  );

  it('an interrupted bench still stops every process it started, by pid', async () => {
    const child = spawn(NODE, [SCRIPT, '--only', 'apposd', '--hold-ms', '20000'], { cwd: ROOT });
    running = child;
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const closed = new Promise((r) => child.on('close', r));
    const dir = await waitFor(() => /up ApposdStack (\S+)/.exec(err)?.[1], {
      timeoutMs: 20_000,
      what: 'apposd up',
    });
    // unshare, apposd, redis-server, PocketBase and the backend.
    const tree = descendants(child.pid!);
    expect(tree.length).toBeGreaterThanOrEqual(5);
    child.kill('SIGTERM');
    await closed;
    expect(child.exitCode).toBe(130);
    await waitFor(() => stillAlive(tree).length === 0 && marked(dir).length === 0, {
      timeoutMs: 5000,
      what: 'no process left',
    });
    expect(existsSync(dir)).toBe(false);
  });
});
