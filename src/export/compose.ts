// `apposd export compose`: one service per program (oneshots with restart "no"), dependencies
// as depends_on conditions, the ready probe as the healthcheck, the data dir as a named volume,
// and the edge as one apposd service in edge-only mode: the only one publishing a port.
import { posix } from 'node:path';
import { toYamlDocuments } from '../config/yaml.js';
import type { ProgramConfig } from '../config/types.js';
import { checkProgramKeys, containerSpec, type ContainerSpec } from './containers.js';
import { EDGE, edgePlan } from './edge.js';
import {
  APPOS_IMAGE,
  composeDuration,
  ExportInput,
  ExportResult,
  Findings,
  header,
  programPlans,
  type ProgramPlan,
} from './model.js';
import { PortMap, withDefaults } from './network.js';
import { composeHealthcheck } from './probes.js';

/** The image reference of services without `image:`: overridable by $APPOS_IMAGE. */
export const COMPOSE_IMAGE = `\${APPOS_IMAGE:-${APPOS_IMAGE}}`;
const VOLUME = 'appos-data';
const CONDITION = {
  started: 'service_started',
  ready: 'service_healthy',
  completed: 'service_completed_successfully',
} as const;

function restartOf(cfg: ProgramConfig): string {
  if (cfg.kind === 'oneshot' || cfg.restart === 'never') return 'no';
  return cfg.restart;
}

/** The data volume's mount point: the data_dir as written when its default is absolute. */
function dataTarget(input: ExportInput, findings: Findings): string {
  const raw = input.raw.data_dir ?? '';
  const resolved = withDefaults(raw);
  if (posix.isAbsolute(resolved)) return raw;
  const abs = posix.resolve('/', resolved);
  findings.note(`data_dir ${resolved} is relative: the volume is mounted at ${abs} (cwd /)`);
  return abs;
}

function service(
  plan: ProgramPlan,
  spec: ContainerSpec,
  input: ExportInput,
  findings: Findings,
): Record<string, unknown> {
  const { cfg, raw } = plan;
  const at = `programs.${cfg.name}`;
  const svc: Record<string, unknown> = {
    image: spec.image ?? COMPOSE_IMAGE,
    entrypoint: spec.argv,
    init: true,
    restart: restartOf(cfg),
  };
  if (spec.cwd !== undefined) svc.working_dir = spec.cwd;
  if (spec.user) svc.user = spec.user.raw;
  if (spec.env.length > 0) svc.environment = Object.fromEntries(spec.env);
  if (cfg.envFile !== undefined) svc.env_file = [input.envFileRef(cfg)];
  if (raw.stop_signal !== undefined) svc.stop_signal = `SIG${cfg.stopSignal.replace(/^SIG/, '')}`;
  if (raw.stop_timeout !== undefined) svc.stop_grace_period = composeDuration(cfg.stopTimeoutMs);
  if (cfg.dependsOn.length > 0) {
    svc.depends_on = Object.fromEntries(
      cfg.dependsOn.map((d) => [d.name, { condition: CONDITION[d.condition] }]),
    );
  }
  const probe = raw.ready ?? raw.live;
  const probeCfg = cfg.ready ?? cfg.live;
  if (raw.ready && raw.live) {
    findings.note(
      `${at}: compose has one healthcheck per service: it is the ready probe; ` +
        'compose does not restart an unhealthy service, so the live probe is not carried over',
    );
  }
  if (probe && probeCfg) {
    svc.healthcheck = composeHealthcheck(
      probe,
      probeCfg,
      findings,
      `${at}.${raw.ready ? 'ready' : 'live'}`,
    );
  }
  if (spec.usesData) svc.volumes = [`${VOLUME}:${dataTarget(input, findings)}`];
  if (
    spec.usesData &&
    spec.cwd === undefined &&
    !posix.isAbsolute(withDefaults(input.raw.data_dir ?? '/'))
  ) {
    svc.working_dir = '/';
  }
  return svc;
}

/** `$` doubled where compose must pass it on literally (apposd reads `$$` as `$`). */
function escapeLiteralDollars(text: string): string {
  return text.replaceAll('$$', '$$$$');
}

function edgeService(
  input: ExportInput,
  plans: readonly ProgramPlan[],
  ports: PortMap,
  findings: Findings,
) {
  const edge = edgePlan(input, plans, ports, findings);
  if (!edge) return undefined;
  const text = escapeLiteralDollars(toYamlDocuments([edge.doc]));
  return {
    image: COMPOSE_IMAGE,
    // The image's entrypoint is apposd; its config arrives in the environment.
    entrypoint: [
      '/bin/sh',
      '-c',
      'printf "%s" "$$APPOS_EDGE_CONFIG" > /tmp/apposd-edge.yaml && exec apposd --config /tmp/apposd-edge.yaml',
    ],
    environment: { APPOS_EDGE_CONFIG: text },
    ports: [`\${APPOS_HTTP_PORT:-${edge.port}}:${edge.port}`],
    restart: 'always',
    stop_grace_period: '10s',
  };
}

/** The compose document of `input` (no text when any feature cannot be exported). */
export function exportCompose(input: ExportInput): ExportResult {
  const findings = new Findings();
  const plans = programPlans(input);
  const ports = new PortMap(plans, input.raw.http?.routes ?? []);
  const services: Record<string, unknown> = {};
  for (const plan of plans) {
    checkProgramKeys(plan, findings, 'compose');
    const spec = containerSpec(plan, input, ports, findings);
    services[plan.cfg.name] = service(plan, spec, input, findings);
  }
  const edge = edgeService(input, plans, ports, findings);
  if (edge) {
    if (services[EDGE])
      findings.problem(`programs.${EDGE}`, `"${EDGE}" is the exported edge's name`);
    services[EDGE] = edge;
  }
  const usesData = Object.values(services).some((s) => (s as { volumes?: unknown }).volumes);
  const doc: Record<string, unknown> = { services };
  if (usesData) doc.volumes = { [VOLUME]: {} };
  if (findings.problems.length > 0) return { text: '', ...findings };
  findings.note(
    `only ${EDGE} publishes a port; the programs talk over the compose network by service name`,
  );
  if (usesData) findings.note(`the data lives in the named volume ${VOLUME}`);
  return { text: header('compose', input.source) + toYamlDocuments([doc]), ...findings };
}
