// Compiles http-edge-harness.ts (and only what it imports) with tsc into
// node_modules/.cache, and runs it as a child process: the edge in a process of its own.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { HttpConfig } from '../../src/config/types.js';
import type { FakeProgram } from './http-fake-supervisor.js';
import { ROOT } from './http-upstreams.js';

const CACHE = join(ROOT, 'node_modules/.cache/apposd-http-harness');
const ENTRY = join(CACHE, 'out/test/helpers/http-edge-harness.js');

/** Compiles the harness; returns the path of its entry point. Takes a few seconds. */
export function buildHarness(): string {
  mkdirSync(CACHE, { recursive: true });
  const tsconfig = join(CACHE, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: {
        rootDir: ROOT,
        outDir: join(CACHE, 'out'),
        noEmit: false,
        noEmitOnError: false,
        sourceMap: false,
      },
      files: [join(ROOT, 'test/helpers/http-edge-harness.ts')],
      include: [],
    }),
  );
  try {
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', tsconfig],
      {
        stdio: 'pipe',
      },
    );
  } catch {
    // Type errors elsewhere in the tree still emit; the entry point must exist.
  }
  readFileSync(ENTRY);
  return ENTRY;
}

/** The edge running in its own process. */
export interface HarnessEdge {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  /** Resident set size now, and its peak, in bytes (from /proc). */
  memory(): { rss: number; peak: number };
  stop(): Promise<void>;
}

function statusField(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  return m ? Number(m[1]) * 1024 : 0;
}

/** Starts the compiled harness with `http` and the fake supervisor's programs. */
export async function startHarness(
  entry: string,
  http: HttpConfig,
  programs: FakeProgram[],
): Promise<HarnessEdge> {
  const child = spawn(process.execPath, [entry, JSON.stringify({ http, programs })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(() => {
      throw new Error('harness exited before listening');
    }),
  ])) as [string];
  const { port } = JSON.parse(first) as { port: number };
  const pid = child.pid!;
  return {
    child,
    pid,
    port,
    memory: () => ({ rss: statusField(pid, 'VmRSS'), peak: statusField(pid, 'VmHWM') }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
  };
}
