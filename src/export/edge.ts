// The config of the exported edge: apposd alone (no programs), its routes pointing at service
// names, each proxied route probing its upstream with the ready probe of the program behind it.
import type { RawProbe, RawRoute } from '../config/raw-config.js';
import type { ExportInput, Findings, ProgramPlan } from './model.js';
import { addressOf, rewriteLoopback, withDefaults, type PortMap } from './network.js';

/** The edge's config document and the port it listens on inside its container. */
export interface EdgePlan {
  readonly doc: Record<string, unknown>;
  readonly port: number;
}

/** The service name of the edge. */
export const EDGE = 'edge';

function rewriteProbe(
  probe: RawProbe,
  ports: PortMap,
  findings: Findings,
  where: string,
): RawProbe {
  const out: Record<string, unknown> = { ...probe };
  for (const kind of ['tcp', 'http', 'redis', 'pocketbase'] as const) {
    const target = probe[kind];
    if (target !== undefined)
      out[kind] = rewriteLoopback(target, null, ports, false, findings, where);
  }
  return out as RawProbe;
}

function upstreamProbe(
  route: RawRoute,
  owner: ProgramPlan | undefined,
  ports: PortMap,
  findings: Findings,
  where: string,
): RawProbe | undefined {
  if (route.probe) return rewriteProbe(route.probe, ports, findings, `${where}.probe`);
  if (!owner) return undefined;
  const ready = owner.raw.ready;
  if (ready && ready.exec === undefined) return rewriteProbe(ready, ports, findings, where);
  const addr = addressOf(route.upstream ?? '');
  return addr ? { tcp: `${owner.cfg.name}:${addr.port}` } : undefined;
}

function edgeRoute(
  route: RawRoute,
  index: number,
  plans: readonly ProgramPlan[],
  ports: PortMap,
  findings: Findings,
): Record<string, unknown> {
  const where = `http.routes[${index}]`;
  if (route.upstream === undefined) {
    return { path: route.path, static: route.static, ...(route.spa ? { spa: true } : {}) };
  }
  const addr = addressOf(route.upstream);
  const ownerName = route.program ?? (addr ? ports.owner(addr.port) : undefined);
  const owner = plans.find((p) => p.cfg.name === ownerName);
  const out: Record<string, unknown> = {
    path: route.path,
    upstream: rewriteLoopback(route.upstream, null, ports, false, findings, `${where}.upstream`),
  };
  const probe = upstreamProbe(route, owner, ports, findings, where);
  if (probe) out.probe = probe;
  if (route.websocket) out.websocket = true;
  if (route.hold !== undefined) out.hold = route.hold;
  if (route.strip_prefix) out.strip_prefix = true;
  return out;
}

/** The edge-only config for the exported edge service, or undefined without `http:`. */
export function edgePlan(
  input: ExportInput,
  plans: readonly ProgramPlan[],
  ports: PortMap,
  findings: Findings,
): EdgePlan | undefined {
  const http = input.raw.http;
  if (!http) return undefined;
  const port = Number(addressOf(withDefaults(http.listen ?? '0.0.0.0:80'))?.port ?? 80);
  const doc: Record<string, unknown> = {};
  if (input.raw.shutdown_timeout !== undefined) doc.shutdown_timeout = input.raw.shutdown_timeout;
  const log: Record<string, unknown> = {};
  if (input.raw.log?.format !== undefined) log.format = input.raw.log.format;
  if (input.raw.log?.level !== undefined) log.level = input.raw.log.level;
  if (Object.keys(log).length > 0) doc.log = log;
  const out: Record<string, unknown> = { listen: `0.0.0.0:${port}` };
  for (const key of ['max_body', 'compress', 'access_log'] as const) {
    if (http[key] !== undefined) out[key] = http[key];
  }
  out.routes = (http.routes ?? []).map((r, i) => edgeRoute(r, i, plans, ports, findings));
  doc.http = out;
  for (const route of http.routes ?? []) {
    if (route.static !== undefined) {
      findings.note(
        `the edge serves ${route.path} from ${withDefaults(route.static)} inside its image`,
      );
    }
  }
  return { doc, port };
}
