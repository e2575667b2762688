// Kubernetes containers of the export: a program's container (env from the Secret, probes,
// user ids, the data mount) and the initContainers that wait for what it depends on.
import { posix } from 'node:path';
import type { ContainerSpec } from './containers.js';
import { APPOS_IMAGE, type ExportInput, type Findings, type ProgramPlan } from './model.js';
import { withDefaults, type PortMap } from './network.js';
import { k8sEnv, resolved } from './k8s-values.js';
import { k8sProbe, waitScript } from './probes.js';

/** The volume name of the data PersistentVolumeClaim in pod specs. */
export const DATA_VOLUME = 'appos-data';

/** A container and what its pod needs: Secret keys, env_file Secrets, the data volume. */
export interface K8sContainer {
  readonly container: Record<string, unknown>;
  readonly secretKeys: string[];
  readonly envSecrets: string[];
  readonly usesData: boolean;
}

/** Where the data volume is mounted: data_dir with its default, made absolute. */
export function dataMountPath(input: ExportInput): string {
  return posix.resolve('/', withDefaults(input.raw.data_dir ?? '/appos/data'));
}

/** The Kubernetes container of one program. */
export function k8sContainer(
  plan: ProgramPlan,
  spec: ContainerSpec,
  input: ExportInput,
  findings: Findings,
): K8sContainer {
  const { cfg, raw } = plan;
  const at = `programs.${cfg.name}`;
  const secretKeys: string[] = [];
  const envSecrets: string[] = [];
  const container: Record<string, unknown> = {
    name: cfg.name,
    image: spec.image === undefined ? APPOS_IMAGE : resolved(spec.image, findings, `${at}.image`),
    command: spec.argv.map((a, i) => resolved(a, findings, `${at}.command[${i}]`)),
  };
  if (spec.env.length > 0) {
    container.env = spec.env.map(([k, v]) => {
      const { entry, secretKey } = k8sEnv(k, v, findings, `${at}.env.${k}`);
      if (secretKey !== undefined) secretKeys.push(secretKey);
      return entry;
    });
  }
  if (cfg.envFile !== undefined) {
    envSecrets.push(`${cfg.name}-env`);
    container.envFrom = [{ secretRef: { name: `${cfg.name}-env` } }];
  }
  if (spec.cwd !== undefined) container.workingDir = resolved(spec.cwd, findings, `${at}.cwd`);
  if (spec.user) {
    container.securityContext = {
      runAsUser: spec.user.uid,
      ...(spec.user.gid !== undefined ? { runAsGroup: spec.user.gid } : {}),
    };
  }
  if (spec.usesData)
    container.volumeMounts = [{ name: DATA_VOLUME, mountPath: dataMountPath(input) }];
  if (raw.ready && cfg.ready && cfg.kind === 'daemon') {
    container.readinessProbe = k8sProbe(raw.ready, cfg.ready, findings, `${at}.ready`);
  }
  if (raw.live && cfg.live && cfg.kind === 'daemon') {
    container.livenessProbe = k8sProbe(raw.live, cfg.live, findings, `${at}.live`);
  }
  return { container, secretKeys, envSecrets, usesData: spec.usesData };
}

/** initContainers waiting until each `started`/`ready` dependency (a daemon) answers. */
export function waitContainers(
  plan: ProgramPlan,
  plans: readonly ProgramPlan[],
  ports: PortMap,
  findings: Findings,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const dep of plan.cfg.dependsOn) {
    const target = plans.find((p) => p.cfg.name === dep.name);
    if (!target || target.cfg.kind === 'oneshot') continue;
    const port = ports.portsOf(dep.name)[0];
    if (port === undefined) {
      findings.problem(
        `programs.${plan.cfg.name}.depends_on.${dep.name}`,
        `${dep.name} has no known port to wait for (give it a ready probe on one)`,
      );
      continue;
    }
    const ready = dep.condition === 'ready' ? target.raw.ready : undefined;
    const probe =
      ready && ready.exec === undefined && ready.redis === undefined && ready.tcp === undefined
        ? rewriteHost(ready, dep.name)
        : undefined;
    out.push({
      name: `wait-for-${dep.name}`,
      image: APPOS_IMAGE,
      command: ['/bin/sh', '-c', waitScript(dep.name, probe, port)],
    });
  }
  return out;
}

function rewriteHost(probe: NonNullable<ProgramPlan['raw']['ready']>, host: string): typeof probe {
  const swap = (t: string | undefined): string | undefined =>
    t?.replace(/(127\.0\.0\.1|localhost|\[::1\])/, host);
  return { ...probe, http: swap(probe.http), pocketbase: swap(probe.pocketbase) };
}
