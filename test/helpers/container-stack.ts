// The container simulation: apposd as PID 1 of its own PID and mount namespaces running the
// production config/appos.yaml, with every path, port and binary moved by environment: Debian's
// redis-server, the npm PocketBase, the example backend in place of the Go binary, the fixture
// dashboard, a temp directory in place of the /appos/data volume, `nobody` as the programs' user.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import PocketBase from 'pocketbase';
import type { StatusResponse } from '../../src/control/protocol.js';
import { CTL, Daemon, NODE, ROOT } from './daemon.js';
import { freePort, tempDir } from './temp.js';
import { waitFor } from './wait-for.js';

/** The production config, run as is. */
export const APPOS_CONFIG = join(ROOT, 'config/appos.yaml');
/** The fixture dashboard, served at / in place of the AppOS dashboard's build. */
export const ROOT_DASHBOARD = join(ROOT, 'test/fixtures/dashboard');
/** Who runs redis, PocketBase and the backend in the simulation (`appos` in the image). */
export const SIM_USER = 'nobody';

/** A temp directory standing in for the image: the volume (`data`) and the backend (`bin`). */
export interface Volume {
  readonly root: string;
  /** APPOS_DATA_DIR: what /appos/data is in the container. */
  readonly data: string;
  /** APPOS_BACKEND_BIN: a wrapper that runs the example backend. */
  readonly backend: string;
  cleanup(): void;
}

/** A fresh volume; `cleanup()` removes it (stop every stack using it first). */
export function createVolume(): Volume {
  const { path: root, cleanup } = tempDir('apposd-container-');
  // The programs run as SIM_USER and must reach their directories inside the volume.
  chmodSync(root, 0o755);
  const data = join(root, 'data');
  mkdirSync(data, { mode: 0o755 });
  const backend = join(root, 'appos-backend');
  writeFileSync(
    backend,
    `#!/bin/sh\nexec '${NODE}' '${join(ROOT, 'test/fixtures/example-backend.mjs')}' "$@"\n`,
    { mode: 0o755 },
  );
  return { root, data, backend, cleanup };
}

export interface Ports {
  http: number;
  redis: number;
  pocketbase: number;
  backend: number;
}

async function distinctPorts(): Promise<Ports> {
  const taken = new Set<number>();
  const next = async (): Promise<number> => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  return {
    http: await next(),
    redis: await next(),
    pocketbase: await next(),
    backend: await next(),
  };
}

export interface Superuser {
  email: string;
  password: string;
}

/** What `ctl` returns. */
export interface CtlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** One run of the simulated container. `stop()` always, also when a test failed. */
export class ContainerStack {
  private constructor(
    readonly daemon: Daemon,
    readonly volume: Volume,
    readonly ports: Ports,
    readonly superuser: Superuser,
  ) {}

  private namespace: string | undefined;

  /** Starts apposd as PID 1 on config/appos.yaml with the volume and the superuser given. */
  static async start(
    volume: Volume,
    superuser: Superuser,
    extraEnv: Record<string, string> = {},
  ): Promise<ContainerStack> {
    const ports = await distinctPorts();
    const daemon = Daemon.startWithConfig(APPOS_CONFIG, {
      pid1: true,
      cwd: volume.root,
      env: {
        APPOS_DATA_DIR: volume.data,
        APPOS_HTTP_LISTEN: `127.0.0.1:${ports.http}`,
        APPOS_WEB_DIR: ROOT_DASHBOARD,
        APPOS_BACKEND_BIN: volume.backend,
        APPOS_INIT_DIR: join(ROOT, 'config/init'),
        APPOS_USER: SIM_USER,
        APPOS_LOG_FORMAT: 'json',
        APPOS_LOG_LEVEL: 'info',
        REDIS_SERVER_BIN: 'redis-server',
        POCKETBASE_BIN: join(ROOT, 'node_modules/.bin/pocketbase'),
        REDIS_PORT: String(ports.redis),
        POCKETBASE_PORT: String(ports.pocketbase),
        BACKEND_PORT: String(ports.backend),
        PB_SUPERUSER_EMAIL: superuser.email,
        PB_SUPERUSER_PASSWORD: superuser.password,
        ...extraEnv,
      },
    });
    return new ContainerStack(daemon, volume, ports, superuser);
  }

  /** The public listener's base URL. */
  get base(): string {
    return `http://127.0.0.1:${this.ports.http}`;
  }

  /** The control API's view of every program. */
  async status(): Promise<StatusResponse> {
    return this.daemon.api<StatusResponse>('/v1/status');
  }

  /** Waits until every daemon is RUNNING and ready and every oneshot has completed. */
  async waitReady(timeoutMs = 30_000): Promise<StatusResponse> {
    return waitFor(
      async () => {
        if (this.daemon.exitStatus) throw new Error(`apposd exited\n${this.daemon.tailLog()}`);
        const s = await this.status();
        const fine = s.programs.every((p) =>
          p.kind === 'oneshot' ? p.completed : p.state === 'RUNNING' && p.ready,
        );
        return fine ? s : undefined;
      },
      { timeoutMs, intervalMs: 50, what: `the stack to be ready\n${this.daemon.tailLog()}` },
    );
  }

  /** Runs appos-ctl inside the container's PID and mount namespaces (like `docker exec`). */
  ctl(...args: string[]): CtlResult {
    const r = spawnSync(
      'nsenter',
      [
        '--target',
        String(this.daemon.daemonPid()),
        '--pid',
        '--mount',
        '--',
        NODE,
        CTL,
        '--socket',
        this.daemon.socket,
        ...args,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** The PID namespace apposd is PID 1 of ("pid:[4026532...]"), read once it runs. */
  private pidNamespace(): string {
    this.namespace ??= readlinkSync(`/proc/${this.daemon.daemonPid()}/ns/pid`);
    return this.namespace;
  }

  /** Outer pids of the live (not zombie) processes in the container's PID namespace. */
  processes(): number[] {
    const ns = this.pidNamespace();
    const out: number[] = [];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        if (readlinkSync(`/proc/${d}/ns/pid`) !== ns) continue;
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        if (!stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) out.push(Number(d));
      } catch {
        // gone
      }
    }
    return out;
  }

  /** The outer pid of `program`'s process (the control API reports the namespace's pids). */
  async outerPidOf(program: string): Promise<number> {
    const { programs } = await this.status();
    const inner = programs.find((p) => p.name === program)?.pid;
    if (inner == null) throw new Error(`${program} has no process`);
    for (const pid of this.processes()) {
      const nspid = readFileSync(`/proc/${pid}/status`, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('NSpid:'))
        ?.trim()
        .split(/\s+/)
        .at(-1);
      if (Number(nspid) === inner) return pid;
    }
    throw new Error(`no process with pid ${inner} in the container`);
  }

  /** A PocketBase SDK client through /pb, authenticated as the superuser from the env. */
  async superuserClient(): Promise<PocketBase> {
    return authenticate(`${this.base}/pb`, this.superuser);
  }

  /** Stops apposd (SIGTERM, SIGKILL of the namespace if needed); the volume stays. */
  async stop(): Promise<void> {
    await this.daemon.cleanup();
  }
}

/**
 * Signs in as the superuser: the admins API (PocketBase 0.22, the binary the tests run) or
 * `_superusers` (>= 0.23, the image's).
 */
export async function authenticate(url: string, who: Superuser): Promise<PocketBase> {
  const pb = new PocketBase(url);
  pb.autoCancellation(false);
  try {
    const auth = (await pb.send('/api/admins/auth-with-password', {
      method: 'POST',
      body: { identity: who.email, password: who.password },
    })) as { token: string; admin: Record<string, unknown> };
    pb.authStore.save(auth.token, auth.admin as never);
  } catch {
    await pb.collection('_superusers').authWithPassword(who.email, who.password);
  }
  return pb;
}

/** Creates a base collection `name` with a text field `title`, open to anyone (0.22 schema). */
export async function createCollection(pb: PocketBase, name: string): Promise<void> {
  await pb.send('/api/collections', {
    method: 'POST',
    body: {
      name,
      type: 'base',
      schema: [{ name: 'title', type: 'text' }],
      listRule: '',
      viewRule: '',
      createRule: '',
    },
  });
}
