// `apposd export k8s`: a Deployment per daemon and a Service per port it listens on, oneshots as
// initContainers of their dependents (or a Job), probes as readiness/liveness probes, one
// PersistentVolumeClaim for the data, and the edge: a ConfigMap with its config, its Deployment
// and the one public Service. Secrets are secretKeyRefs to a Secret the user creates.
import { toYamlDocuments } from '../config/yaml.js';
import { checkProgramKeys, containerSpec } from './containers.js';
import { EDGE, edgePlan } from './edge.js';
import { DATA_VOLUME, dataMountPath, k8sContainer, waitContainers } from './k8s-containers.js';
import { SECRET } from './k8s-values.js';
import {
  APPOS_IMAGE,
  Findings,
  header,
  programPlans,
  type ExportInput,
  type ExportResult,
  type ProgramPlan,
} from './model.js';
import { PortMap, withDefaults } from './network.js';

const labels = (name: string): Record<string, string> => ({ 'app.kubernetes.io/name': name });
const meta = (name: string): Record<string, unknown> => ({ name, labels: labels(name) });
const PVC = 'appos-data';

function podVolumes(usesData: boolean): Record<string, unknown> {
  return usesData
    ? { volumes: [{ name: DATA_VOLUME, persistentVolumeClaim: { claimName: PVC } }] }
    : {};
}

function service(name: string, ports: readonly number[], type?: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name),
    spec: {
      ...(type ? { type } : {}),
      selector: labels(name),
      ports: ports.map((p) => ({ name: `port-${p}`, port: p, targetPort: p })),
    },
  };
}

interface Collected {
  secretKeys: Set<string>;
  envSecrets: Set<string>;
  usesData: boolean;
}

function workload(
  plan: ProgramPlan,
  plans: readonly ProgramPlan[],
  input: ExportInput,
  ports: PortMap,
  findings: Findings,
  seen: Collected,
): Record<string, unknown>[] {
  const { cfg } = plan;
  const at = `programs.${cfg.name}`;
  const build = (p: ProgramPlan) => {
    const c = k8sContainer(p, containerSpec(p, input, ports, findings), input, findings);
    c.secretKeys.forEach((k) => seen.secretKeys.add(k));
    c.envSecrets.forEach((k) => seen.envSecrets.add(k));
    return c;
  };
  const main = build(plan);
  const inits: Record<string, unknown>[] = [];
  let usesData = main.usesData;
  for (const dep of cfg.dependsOn) {
    const oneshot = plans.find((p) => p.cfg.name === dep.name && p.cfg.kind === 'oneshot');
    if (!oneshot) continue;
    const init = build(oneshot);
    usesData ||= init.usesData;
    inits.push(...waitContainers(oneshot, plans, ports, findings), init.container);
  }
  inits.push(...waitContainers(plan, plans, ports, findings));
  seen.usesData ||= usesData;
  const pod = {
    terminationGracePeriodSeconds: Math.ceil(cfg.stopTimeoutMs / 1000),
    ...(inits.length > 0 ? { initContainers: inits } : {}),
    containers: [main.container],
    ...podVolumes(usesData),
  };
  if (cfg.kind === 'oneshot') {
    return [
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: meta(cfg.name),
        spec: {
          backoffLimit: cfg.startRetries,
          template: {
            metadata: { labels: labels(cfg.name) },
            spec: { ...pod, restartPolicy: 'OnFailure' },
          },
        },
      },
    ];
  }
  if (cfg.restart !== 'always') {
    findings.problem(
      `${at}.restart`,
      `restart: ${cfg.restart} has no Deployment equivalent (always)`,
    );
  }
  if (cfg.stopSignal !== 'SIGTERM') {
    findings.problem(`${at}.stop_signal`, 'Kubernetes stops containers with SIGTERM only');
  }
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(cfg.name),
    spec: {
      replicas: 1,
      // One pod at a time on the ReadWriteOnce data volume.
      ...(usesData ? { strategy: { type: 'Recreate' } } : {}),
      selector: { matchLabels: labels(cfg.name) },
      template: { metadata: { labels: labels(cfg.name) }, spec: pod },
    },
  };
  const own = ports.portsOf(cfg.name).map((p) => Number(withDefaults(p)));
  return own.length > 0 ? [deployment, service(cfg.name, own)] : [deployment];
}

function edgeObjects(
  input: ExportInput,
  plans: readonly ProgramPlan[],
  ports: PortMap,
  findings: Findings,
) {
  const edge = edgePlan(input, plans, ports, findings);
  if (!edge) return [];
  const probe = { tcpSocket: { port: edge.port }, periodSeconds: 5 };
  const container = {
    name: EDGE,
    image: APPOS_IMAGE,
    args: ['--config', '/etc/apposd/appos.yaml'],
    ports: [{ containerPort: edge.port }],
    readinessProbe: probe,
    livenessProbe: probe,
    volumeMounts: [{ name: 'config', mountPath: '/etc/apposd', readOnly: true }],
  };
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(`${EDGE}-config`),
      data: { 'appos.yaml': toYamlDocuments([edge.doc]) },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(EDGE),
      spec: {
        replicas: 1,
        selector: { matchLabels: labels(EDGE) },
        template: {
          metadata: { labels: labels(EDGE) },
          spec: {
            terminationGracePeriodSeconds: 10,
            containers: [container],
            volumes: [{ name: 'config', configMap: { name: `${EDGE}-config` } }],
          },
        },
      },
    },
    service(EDGE, [edge.port], 'LoadBalancer'),
  ];
}

/** How to create the Secrets the manifests refer to (printed, never filled in). */
function secretHowTo(seen: Collected, input: ExportInput): string[] {
  const lines: string[] = [];
  if (seen.secretKeys.size > 0) {
    const keys = [...seen.secretKeys].map((k) => `--from-literal=${k}="$${k}"`).join(' ');
    lines.push(`kubectl create secret generic ${SECRET} ${keys}`);
  }
  for (const name of seen.envSecrets) {
    const plan = input.config.programs.find((p) => `${p.name}-env` === name);
    if (plan)
      lines.push(`kubectl create secret generic ${name} --from-env-file=${input.envFileRef(plan)}`);
  }
  return lines;
}

/** The Kubernetes objects of `input` as multi-document YAML (no text on any problem). */
export function exportK8s(input: ExportInput): ExportResult {
  const findings = new Findings();
  const plans = programPlans(input);
  const ports = new PortMap(plans, input.raw.http?.routes ?? []);
  const seen: Collected = { secretKeys: new Set(), envSecrets: new Set(), usesData: false };
  const objects: Record<string, unknown>[] = [];
  const initOnly = new Set(
    plans.flatMap((p) =>
      p.cfg.dependsOn.filter((d) => d.condition === 'completed').map((d) => d.name),
    ),
  );
  for (const plan of plans) {
    checkProgramKeys(plan, findings, 'Kubernetes');
    if (plan.cfg.kind === 'oneshot' && initOnly.has(plan.cfg.name)) continue;
    objects.push(...workload(plan, plans, input, ports, findings, seen));
  }
  objects.push(...edgeObjects(input, plans, ports, findings));
  if (seen.usesData) {
    objects.unshift({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: meta(PVC),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
    });
    findings.note(
      `the data is one PersistentVolumeClaim (${PVC}, ReadWriteOnce, 10Gi) mounted at ${dataMountPath(input)}: its pods share one node`,
    );
  }
  if (findings.problems.length > 0) return { text: '', ...findings };
  const howTo = secretHowTo(seen, input);
  for (const line of howTo) findings.note(`create the Secret first: ${line}`);
  findings.note(
    `only the ${EDGE} Service (LoadBalancer) is public; ${APPOS_IMAGE} must be pullable by the cluster`,
  );
  const comments = howTo.map((l) => `# Before applying: ${l}\n`).join('');
  return { text: header('k8s', input.source) + comments + toYamlDocuments(objects), ...findings };
}
