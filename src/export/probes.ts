// apposd's probes in an orchestrator's terms: a compose healthcheck (a command that exists in
// the image: nc, wget, redis-cli), a Kubernetes probe (tcp, http and exec natively; redis as
// exec, pocketbase as http), and a shell loop that waits for one (Kubernetes initContainers).
import type { RawProbe } from '../config/raw-config.js';
import type { ProbeConfig } from '../config/types.js';
import { composeDuration, probeArgv, type Findings } from './model.js';
import { addressOf, withDefaults } from './network.js';

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh']);

/** Reports an exec probe that runs a shell pipeline: the target image may lack the shell or tools. */
export function checkExecProbe(probe: RawProbe, findings: Findings, where: string): void {
  const argv = probeArgv(probe);
  const shell = SHELLS.has((argv[0] ?? '').split('/').pop() ?? '');
  if (shell && argv.includes('-c') && argv.some((a) => a.includes('|'))) {
    findings.problem(
      where,
      'an exec probe running a shell pipeline cannot be exported (the image may lack the shell and its tools): make it one command',
    );
  }
}

function probeTarget(probe: RawProbe): string {
  return probe.tcp ?? probe.http ?? probe.redis ?? probe.pocketbase ?? '';
}

function healthUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/api/health`;
}

/** The argv checking `probe` once (exit 0 = passes). */
export function probeCommand(
  probe: RawProbe,
  cfg: ProbeConfig,
  findings: Findings,
  where: string,
): string[] {
  switch (cfg.kind) {
    case 'tcp': {
      const addr = addressOf(probeTarget(probe));
      return ['nc', '-z', addr?.host ?? '', addr?.port ?? ''];
    }
    case 'http':
      if (cfg.expect !== undefined && (cfg.expect < 200 || cfg.expect >= 300)) {
        findings.problem(where, `expect: ${cfg.expect} cannot be checked by wget (2xx only)`);
      }
      return ['wget', '-q', '-O', '/dev/null', probeTarget(probe)];
    case 'pocketbase':
      return ['wget', '-q', '-O', '/dev/null', healthUrl(probeTarget(probe))];
    case 'redis':
      return ['redis-cli', '-u', probeTarget(probe), 'ping'];
    case 'exec':
      checkExecProbe(probe, findings, where);
      return probeArgv(probe);
  }
}

/** A compose healthcheck from a probe. */
export function composeHealthcheck(
  probe: RawProbe,
  cfg: ProbeConfig,
  findings: Findings,
  where: string,
): Record<string, unknown> {
  const check: Record<string, unknown> = {
    test: ['CMD', ...probeCommand(probe, cfg, findings, where)],
    interval: composeDuration(cfg.intervalMs),
    timeout: composeDuration(cfg.timeoutMs),
    retries: cfg.retries,
  };
  if (cfg.initialDelayMs > 0) check.start_period = composeDuration(cfg.initialDelayMs);
  return check;
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** A Kubernetes probe (readiness or liveness) from a probe; texts with their defaults. */
export function k8sProbe(
  probe: RawProbe,
  cfg: ProbeConfig,
  findings: Findings,
  where: string,
): Record<string, unknown> {
  const timing = {
    periodSeconds: seconds(cfg.intervalMs),
    timeoutSeconds: seconds(cfg.timeoutMs),
    failureThreshold: cfg.retries,
    ...(cfg.initialDelayMs > 0 ? { initialDelaySeconds: seconds(cfg.initialDelayMs) } : {}),
  };
  const target = withDefaults(probeTarget(probe));
  if (cfg.kind === 'tcp') {
    return { tcpSocket: { port: Number(addressOf(target)?.port) }, ...timing };
  }
  if (cfg.kind === 'http' || cfg.kind === 'pocketbase') {
    if (
      cfg.kind === 'http' &&
      cfg.expect !== undefined &&
      (cfg.expect < 200 || cfg.expect >= 400)
    ) {
      findings.problem(where, `expect: ${cfg.expect} is not a success for a Kubernetes httpGet`);
    }
    const url = new URL(cfg.kind === 'http' ? target : healthUrl(target));
    return {
      httpGet: {
        path: `${url.pathname}${url.search}`,
        port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
        scheme: url.protocol === 'https:' ? 'HTTPS' : 'HTTP',
      },
      ...timing,
    };
  }
  const argv = probeCommand(probe, cfg, findings, where).map(withDefaults);
  return { exec: { command: argv }, ...timing };
}

/** A shell script that waits until `service` passes `probe` (addresses already rewritten). */
export function waitScript(service: string, probe: RawProbe | undefined, port: string): string {
  if (probe?.http !== undefined || probe?.pocketbase !== undefined) {
    const url = probe.http ?? healthUrl(probe.pocketbase ?? '');
    return `until wget -q -O /dev/null '${withDefaults(url)}'; do echo waiting for ${service}; sleep 1; done`;
  }
  return `until nc -z ${service} ${withDefaults(port)}; do echo waiting for ${service}; sleep 1; done`;
}
