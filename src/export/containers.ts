// One program as a container, for both exports: its argv and env with loopback addresses
// rewritten to service names, its user mapped to the image, and whether it needs the data volume.
import type { ExportInput, Findings, ProgramPlan } from './model.js';
import { APPOS_IMAGE_USERS } from './model.js';
import { rewriteLoopback, withDefaults, type PortMap } from './network.js';

/** A program's container, texts as written except rewritten addresses. */
export interface ContainerSpec {
  readonly name: string;
  /** As written, or undefined for the AppOS image. */
  readonly image: string | undefined;
  readonly argv: string[];
  readonly env: [string, string][];
  readonly cwd: string | undefined;
  /** As written (compose), and the ids Kubernetes needs. */
  readonly user: { raw: string; uid: number; gid: number | undefined } | undefined;
  /** Refers to data_dir: mounts the data volume there. */
  readonly usesData: boolean;
}

function idOf(raw: string, image: string | undefined): number | undefined {
  const value = withDefaults(raw);
  if (/^\d+$/.test(value)) return Number(value);
  return image === undefined ? APPOS_IMAGE_USERS[value] : undefined;
}

function mapUser(plan: ProgramPlan, findings: Findings): ContainerSpec['user'] {
  const { raw, image, cfg } = plan;
  if (raw.user === undefined) return undefined;
  const user = String(raw.user);
  const uid = idOf(user, image);
  const where = `programs.${cfg.name}.user`;
  const why =
    image === undefined
      ? 'the AppOS image has only root and appos'
      : `${image} is not known to have it`;
  if (uid === undefined) {
    findings.problem(
      where,
      `user "${withDefaults(user)}" does not map (${why}): use a numeric uid`,
    );
    return undefined;
  }
  if (raw.group === undefined) return { raw: user, uid, gid: undefined };
  const group = String(raw.group);
  const gid = idOf(group, image);
  if (gid === undefined) {
    findings.problem(
      `programs.${cfg.name}.group`,
      `group "${withDefaults(group)}" does not map (${why}): use a numeric gid`,
    );
    return undefined;
  }
  return { raw: `${user}:${group}`, uid, gid };
}

/** The container of `plan`; problems go to `findings`. */
export function containerSpec(
  plan: ProgramPlan,
  input: ExportInput,
  ports: PortMap,
  findings: Findings,
): ContainerSpec {
  const name = plan.cfg.name;
  const at = `programs.${name}`;
  const argv = plan.argv.map((a, i) =>
    rewriteLoopback(a, name, ports, true, findings, `${at}.command[${i}]`),
  );
  const env = plan.env.map(([k, v]): [string, string] => [
    k,
    rewriteLoopback(v, name, ports, false, findings, `${at}.env.${k}`),
  ]);
  const guarded = argv.findIndex((a, i) => a === '--protected-mode' && argv[i + 1] === 'yes');
  if (guarded >= 0 && argv.includes('0.0.0.0')) {
    findings.note(
      `${name} keeps --protected-mode yes: without a password (requirepass) redis refuses the other services; set one, or --protected-mode no`,
    );
  }
  const dataDir = input.raw.data_dir;
  const texts = [...plan.argv, ...plan.env.map(([, v]) => v), plan.raw.cwd ?? ''];
  const usesData =
    dataDir !== undefined &&
    texts.some((t) => t.includes(dataDir) || t.includes(withDefaults(dataDir)));
  return {
    name,
    image: plan.image,
    argv,
    env,
    cwd: plan.raw.cwd,
    user: mapUser(plan, findings),
    usesData,
  };
}

/** Notes and problems about keys an orchestrator runs its own way. */
export function checkProgramKeys(plan: ProgramPlan, findings: Findings, target: string): void {
  const { cfg } = plan;
  const at = `programs.${cfg.name}`;
  if (!cfg.autostart) {
    findings.problem(`${at}.autostart`, `autostart: false has no ${target} equivalent`);
  }
  if (cfg.exitCodes.length !== 1 || cfg.exitCodes[0] !== 0) {
    findings.problem(`${at}.exit_codes`, `${target} counts only exit 0 as success`);
  }
  if (plan.raw.critical) {
    findings.note(
      `critical: each service now fails on its own; ${target} restarts it instead of stopping the stack`,
    );
  }
  if (plan.raw.backoff || plan.raw.start_retries !== undefined || plan.raw.start_seconds) {
    findings.note(
      `backoff, start_retries, start_seconds: ${target} applies its own restart backoff`,
    );
  }
}
