// Runs the real apposd (dist/main.js) for integration tests: a temp dir with the config, its
// stdout/stderr in files, optionally as PID 1 of a new PID namespace (unshare), plus readers
// for its JSON log and helpers to signal it and wait for its exit.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { writeConfig } from './config-file.js';
import { tempDir } from './temp.js';
import { waitFor } from './wait-for.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const MAIN = join(ROOT, 'dist/main.js');
export const CTL = join(ROOT, 'dist/ctl.js');
export const NODE = process.execPath;

/** Absolute path of a fixture program under test/fixtures/programs. */
export function fixture(name: string): string {
  return join(ROOT, 'test/fixtures/programs', name);
}

export interface LogRecord {
  level: number;
  time: number;
  msg: string;
  program?: string;
  stream?: string;
  from?: string;
  to?: string;
  reason?: string;
  run?: number;
  pid?: number;
  [key: string]: unknown;
}

export interface JournalEntry {
  at: number;
  program: string;
  run: number;
  from: string;
  to: string;
  reason: string;
}

export interface DaemonOptions {
  /** Run as PID 1 of a new PID and mount namespace. */
  pid1?: boolean;
  env?: Record<string, string>;
  /** Extra argv after `--config FILE`. */
  args?: string[];
  /** Node's own options, before dist/main.js (e.g. a V8 trace). */
  nodeArgs?: string[];
  /** Files to write into the temp dir before apposd starts (relative path -> content). */
  files?: Record<string, string>;
  /** Working directory of apposd (default: the temp dir). */
  cwd?: string;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running apposd under test. `cleanup()` always: it kills what is left and removes files. */
export class Daemon {
  readonly proc: ChildProcess;
  readonly exited: Promise<ExitStatus>;
  exitStatus: ExitStatus | null = null;

  private constructor(
    readonly dir: string,
    readonly configPath: string,
    readonly socket: string,
    private readonly removeDir: () => void,
    opts: DaemonOptions,
  ) {
    const out = openSync(join(dir, 'stdout.log'), 'w');
    const err = openSync(join(dir, 'stderr.log'), 'w');
    const argv = [...(opts.nodeArgs ?? []), MAIN, '--config', configPath, ...(opts.args ?? [])];
    const [cmd, args] = opts.pid1
      ? ['unshare', ['--pid', '--fork', '--mount-proc', NODE, ...argv]]
      : [NODE, argv];
    this.proc = spawn(cmd, args as string[], {
      cwd: opts.cwd ?? dir,
      stdio: ['ignore', out, err],
      env: { ...process.env, APPOS_CTL_SOCKET: socket, ...opts.env },
    });
    closeSync(out);
    closeSync(err);
    this.exited = new Promise((res) => {
      this.proc.once('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        res(this.exitStatus);
      });
    });
  }

  /**
   * Writes `yaml` (with `$DIR` replaced by the temp dir) to config.yaml and starts apposd.
   * The control socket is `$DIR/ctl.sock` unless the config says otherwise.
   */
  static start(yaml: string, opts: DaemonOptions = {}): Daemon {
    const { path: dir, cleanup } = tempDir('apposd-it-');
    const configPath = writeConfig(dir, yaml.replaceAll('$DIR', dir), opts.files, 'config.yaml');
    const socket = join(dir, 'ctl.sock');
    return new Daemon(dir, configPath, socket, cleanup, opts);
  }

  /**
   * Starts apposd on an existing config file, used in place (not copied). `$DIR` in the values
   * of `opts.env` is replaced by the temp dir, which holds apposd's output; the control socket
   * is `$APPOS_CTL_SOCKET` from `opts.env`, else `$DIR/ctl.sock`.
   */
  static startWithConfig(configPath: string, opts: DaemonOptions = {}): Daemon {
    const { path: dir, cleanup } = tempDir('apposd-it-');
    const env = Object.fromEntries(
      Object.entries(opts.env ?? {}).map(([k, v]) => [k, v.replaceAll('$DIR', dir)]),
    );
    const socket = env.APPOS_CTL_SOCKET ?? join(dir, 'ctl.sock');
    for (const [name, text] of Object.entries(opts.files ?? {}))
      writeFileSync(join(dir, name), text);
    return new Daemon(dir, resolve(configPath), socket, cleanup, { ...opts, env });
  }

  get stdout(): string {
    return readFileSync(join(this.dir, 'stdout.log'), 'utf8');
  }

  get stderr(): string {
    return readFileSync(join(this.dir, 'stderr.log'), 'utf8');
  }

  /** apposd's JSON log records so far. */
  records(): LogRecord[] {
    const out: LogRecord[] = [];
    for (const line of this.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as LogRecord);
      } catch {
        // a line still being written
      }
    }
    return out;
  }

  /** State transitions logged so far (optionally of one program), oldest first. */
  transitions(program?: string): LogRecord[] {
    return this.records().filter(
      (r) => r.to !== undefined && r.from !== undefined && (!program || r.program === program),
    );
  }

  /** The current state of a program according to the log. */
  state(program: string): string | undefined {
    return this.transitions(program).at(-1)?.to;
  }

  /** Waits until `program` has logged a transition to `state` (at least `count` times). */
  async waitState(
    program: string,
    state: string,
    timeoutMs = 15_000,
    count = 1,
  ): Promise<LogRecord> {
    return waitFor(() => this.transitions(program).filter((t) => t.to === state)[count - 1], {
      timeoutMs,
      what: `${program} ${state} (#${count})\n${this.tailLog()}`,
    });
  }

  /** The pid apposd logged for the program's latest spawn. */
  pidOf(program: string): number | undefined {
    const r = this.records().filter(
      (x) => x.program === program && typeof x.pid === 'number' && /spawned/.test(x.msg),
    );
    return r.at(-1)?.pid;
  }

  /** The pid of apposd itself as seen from this (outer) namespace. */
  daemonPid(): number {
    const outer = this.proc.pid as number;
    if (!existsSync(`/proc/${outer}/task/${outer}/children`)) return outer;
    const kids = readFileSync(`/proc/${outer}/task/${outer}/children`, 'utf8').trim();
    return kids && this.proc.spawnargs[0] === 'unshare' ? Number(kids.split(' ')[0]) : outer;
  }

  signal(sig: NodeJS.Signals): void {
    process.kill(this.daemonPid(), sig);
  }

  /** Waits for apposd to exit. */
  async waitExit(timeoutMs = 20_000): Promise<ExitStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(
        () => rej(new Error(`apposd did not exit within ${timeoutMs} ms\n${this.tailLog()}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One JSON request to the control socket's API (`/v1/...`). */
  api<T = unknown>(path: string, method = 'GET', body?: unknown): Promise<T> {
    return new Promise((res, rej) => {
      const req = request(
        { socketPath: this.socket, path, method, headers: { 'content-type': 'application/json' } },
        (r) => {
          let text = '';
          r.setEncoding('utf8');
          r.on('data', (c: string) => (text += c));
          r.on('end', () => {
            try {
              res(JSON.parse(text) as T);
            } catch (err) {
              rej(err as Error);
            }
          });
        },
      );
      req.on('error', rej);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  /** The supervisor's journal from the control API, oldest first. */
  async journal(program?: string): Promise<JournalEntry[]> {
    const q = program ? `?name=${encodeURIComponent(program)}&limit=10000` : '?limit=10000';
    const r = await this.api<{
      entries: {
        at: string;
        program: string;
        run: number;
        from: string;
        to: string;
        reason: string;
      }[];
    }>(`/v1/journal${q}`);
    return r.entries.map((e) => ({ ...e, at: Date.parse(e.at) }));
  }

  /** Runs appos-ctl against this daemon's socket; returns its exit code and output. */
  ctl(...args: string[]): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(NODE, [CTL, '--socket', this.socket, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** The last lines of apposd's output, for failure messages. */
  tailLog(n = 30): string {
    const lines = `${this.stdout}\n${this.stderr}`.trim().split('\n');
    return lines.slice(-n).join('\n');
  }

  /** Stops apposd (SIGTERM, then SIGKILL of its namespace or pid) and removes the temp dir. */
  async cleanup(): Promise<void> {
    if (this.exitStatus === null) {
      try {
        this.signal('SIGTERM');
        await this.waitExit(15_000);
      } catch {
        try {
          process.kill(this.daemonPid(), 'SIGKILL');
          process.kill(this.proc.pid as number, 'SIGKILL');
        } catch {
          // gone
        }
        await this.waitExit(5_000).catch(() => undefined);
      }
    }
    this.removeDir();
  }
}

/** Pids of live processes whose environment marks them as apposd program `name` in `dir`. */
export function processesWithEnv(key: string, value: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const env = readFileSync(`/proc/${d}/environ`, 'latin1').split('\0');
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state !== 'Z' && env.includes(`${key}=${value}`)) out.push(Number(d));
    } catch {
      // gone or not ours to read
    }
  }
  return out;
}

/** Whether a process exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
