// From one network namespace to many: which program listens on which port (its probes and the
// routes naming it), and the rewrite of loopback addresses into service names ("127.0.0.1:6379"
// in the backend's env becomes "redis:6379"; the program's own bind address becomes 0.0.0.0).
import { interpolate } from '../config/interpolate.js';
import type { RawProbe, RawRoute } from '../config/raw-config.js';
import type { Findings, ProgramPlan } from './model.js';

/** A host:port written in the file; `port` as written (it may be a `${VAR:-6379}` reference). */
export interface Address {
  readonly host: string;
  readonly port: string;
}

/** A text with every reference replaced by its default (`${X:-6379}` -> 6379). */
export function withDefaults(text: string): string {
  return interpolate(text, {}).value;
}

const LOOPBACK = /(?<![\w.-])(127\.0\.0\.1|localhost|\[::1\]):(\$\{[^}]*\}|\d+)/g;
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|::1|\[::1\])$/;

/** True for 127.0.0.1, localhost and ::1. */
export function isLoopback(host: string): boolean {
  return LOOPBACK_HOST.test(host);
}

/** host and port of "host:port" or of a URL, as written; undefined when there is none. */
export function addressOf(target: string): Address | undefined {
  const m = /^(?:[a-z]+:\/\/)?(?:[^@/]*@)?(\[[^\]]*\]|[^:/]+):(\$\{[^}]*\}|\d+)/i.exec(target);
  if (!m) return undefined;
  return { host: m[1]!, port: m[2]! };
}

/** The address a probe checks (not for exec probes). */
export function probeAddress(probe: RawProbe | undefined): Address | undefined {
  if (!probe) return undefined;
  const target = probe.tcp ?? probe.http ?? probe.redis ?? probe.pocketbase;
  return target === undefined ? undefined : addressOf(target);
}

/** Which program owns each loopback port (by the port's default value), and each one's ports. */
export class PortMap {
  private readonly owners = new Map<string, string>();
  readonly ports = new Map<string, string[]>();

  constructor(plans: readonly ProgramPlan[], routes: readonly RawRoute[]) {
    for (const p of plans) {
      for (const probe of [p.raw.ready, p.raw.live]) this.claim(p.cfg.name, probeAddress(probe));
    }
    for (const route of routes) {
      if (route.program !== undefined && route.upstream !== undefined) {
        this.claim(route.program, addressOf(route.upstream));
      }
    }
  }

  /** The program listening on `port` (as written), if any. */
  owner(port: string): string | undefined {
    return this.owners.get(withDefaults(port));
  }

  /** The ports `program` listens on, as written, first claim first. */
  portsOf(program: string): string[] {
    return this.ports.get(program) ?? [];
  }

  private claim(program: string, addr: Address | undefined): void {
    if (!addr || !isLoopback(addr.host.replace(/^\[|\]$/g, ''))) return;
    const key = withDefaults(addr.port);
    if (this.owners.has(key)) return;
    this.owners.set(key, program);
    const list = this.ports.get(program) ?? [];
    list.push(addr.port);
    this.ports.set(program, list);
  }
}

/**
 * Rewrites the loopback addresses in `text`, written in program `self` (null: the edge).
 * `bind`: the text is a bind address of `self` (its command), so its own ports become 0.0.0.0.
 * A loopback port no program owns is a problem (the address would point nowhere).
 */
export function rewriteLoopback(
  text: string,
  self: string | null,
  ports: PortMap,
  bind: boolean,
  findings: Findings,
  where: string,
): string {
  if (bind && isLoopback(text)) return '0.0.0.0';
  return text.replace(LOOPBACK, (whole, _host: string, port: string) => {
    const owner = ports.owner(port);
    if (owner === undefined) {
      findings.problem(
        where,
        `${whole} is on loopback and no program is known to listen there (give the program that does a ready probe on it)`,
      );
      return whole;
    }
    if (owner === self) return bind ? `0.0.0.0:${port}` : whole;
    return `${owner}:${port}`;
  });
}
