// `apposd export k8s` as a pure function: every object of the exports of config/appos.yaml and
// config/demo.yaml validates with kubernetes-models; Deployments, Services, initContainers,
// the Job, probes, the PVC, the edge's ConfigMap, and secrets as secretKeyRefs.
import { resolve } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { exportK8s } from '../../../src/export/k8s.js';
import { UNSUPPORTED_BY_BOTH, exportConfigs, documents, exportInput } from './export-input.js';

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'v1/ConfigMap': ConfigMap,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Service': Service,
};

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string } } & Record<
  string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  any
>;

function k8sOf(file: string, env: Record<string, string> = {}) {
  const result = exportK8s(exportInput(file, env));
  expect(result.problems).toEqual([]);
  return { result, objects: documents(result.text) as K8sObject[] };
}

const find = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o;
};

const file = exportConfigs();

test('kubernetes-models is live: it rejects a Deployment without a selector', () => {
  const bad = { metadata: { name: 'x' }, spec: { template: {} } };
  expect(() => new Deployment(bad as never).validate()).toThrow();
});

describe.each(['config/appos.yaml', 'config/demo.yaml'])('export k8s of %s', (path) => {
  test('every object validates with kubernetes-models', () => {
    const { objects } = k8sOf(resolve(path));
    expect(objects.length).toBeGreaterThan(4);
    for (const o of objects) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect(Model, `${o.apiVersion} ${o.kind}`).toBeDefined();
      expect(() => new Model!(o as never).validate()).not.toThrow();
    }
  });

  test('a Deployment per daemon, the edge with its ConfigMap, one public Service', () => {
    const { objects } = k8sOf(resolve(path));
    const daemons = loadConfig(resolve(path), {})
      .programs.filter((p) => p.kind === 'daemon')
      .map((p) => p.name);
    const deployments = objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name);
    expect(deployments.sort()).toEqual([...daemons, 'edge'].sort());
    const edgeConfig = find(objects, 'ConfigMap', 'edge-config').data['appos.yaml'] as string;
    const edge = loadConfig(file(edgeConfig), {});
    expect(edge.programs).toEqual([]);
    expect(edge.http!.routes.filter((r) => r.upstream).every((r) => r.probe)).toBe(true);
    const services = objects.filter((o) => o.kind === 'Service');
    expect(
      services.filter((s) => s.spec.type === 'LoadBalancer').map((s) => s.metadata.name),
    ).toEqual(['edge']);
    expect(find(objects, 'PersistentVolumeClaim', 'appos-data').spec.accessModes).toEqual([
      'ReadWriteOnce',
    ]);
  });
});

describe('export k8s translates', () => {
  test('oneshots into initContainers or a Job, probes, ports and ids', () => {
    const { objects } = k8sOf(resolve('config/appos.yaml'));
    const redis = find(objects, 'Deployment', 'redis').spec.template.spec;
    expect(redis.initContainers.map((c: { name: string }) => c.name)).toEqual(['init']);
    expect(redis.containers[0].readinessProbe.exec.command).toEqual([
      'redis-cli',
      '-u',
      'redis://127.0.0.1:6379',
      'ping',
    ]);
    expect(redis.containers[0].securityContext).toEqual({ runAsUser: 1000 });
    expect(find(objects, 'Service', 'redis').spec.ports).toEqual([
      { name: 'port-6379', port: 6379, targetPort: 6379 },
    ]);
    const backend = find(objects, 'Deployment', 'backend').spec.template.spec;
    expect(backend.containers[0].readinessProbe.httpGet).toEqual({
      path: '/healthz',
      port: 8080,
      scheme: 'HTTP',
    });
    expect(backend.initContainers.map((c: { name: string }) => c.name)).toEqual([
      'wait-for-redis',
      'wait-for-pocketbase',
    ]);
    const env = backend.containers[0].env as { name: string; value?: string }[];
    expect(env.find((e) => e.name === 'REDIS_ADDR')!.value).toBe('redis:6379');
    const job = find(objects, 'Job', 'pocketbase-superuser').spec.template.spec;
    expect(job.restartPolicy).toBe('OnFailure');
    expect(job.initContainers[0].name).toBe('wait-for-pocketbase');
    expect(job.initContainers[0].command[2]).toContain('/api/health');
    expect(objects.some((o) => o.kind === 'Job' && o.metadata.name === 'init')).toBe(false);
  });
});

describe('secrets', () => {
  test('${VAR} values become secretKeyRefs, the output says how to create the Secret', () => {
    const secret = 'tok-9f2c-s3cr3t-value';
    const f = file(`
programs:
  app:
    command: [app]
    env: { API_TOKEN: "\${API_TOKEN}", MODE: "\${MODE:-fast}" }
`);
    const { result, objects } = k8sOf(f, { API_TOKEN: secret, MODE: secret });
    expect(result.text).not.toContain(secret);
    expect(result.notes.join('\n')).not.toContain(secret);
    const env = find(objects, 'Deployment', 'app').spec.template.spec.containers[0].env;
    expect(env).toEqual([
      {
        name: 'API_TOKEN',
        valueFrom: { secretKeyRef: { name: 'appos-secrets', key: 'API_TOKEN' } },
      },
      { name: 'MODE', value: 'fast' },
    ]);
    expect(result.text).toContain(
      '# Before applying: kubectl create secret generic appos-secrets --from-literal=API_TOKEN="$API_TOKEN"',
    );
  });
});

describe('unsupported features are reported, never dropped', () => {
  test.each([
    ...UNSUPPORTED_BY_BOTH,
    ['a stop signal other than TERM', 'stop_signal: INT', /SIGTERM only/],
    ['restart: never on a daemon', 'restart: never', /no Deployment equivalent/],
    [
      'a reference without a default in argv',
      'command: [app, "${MODE}"]',
      /\$\{MODE\} has no default/,
    ],
  ])('%s', (_what, line, message) => {
    const f = file(
      `
programs:
  app:
    command: [app]
    ${line}
`.replace('command: [app]\n    command', 'command'),
    );
    const result = exportK8s(exportInput(f));
    expect(result.text).toBe('');
    expect(result.problems.join('\n')).toMatch(message);
  });
});
