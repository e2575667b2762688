// What every export shares: its input (the loaded config for structure, the file as written for
// every text, so `${VAR}` references stay references), findings, and one plan per program.
import { parseCommand } from '../config/command.js';
import type { RawConfig, RawProbe, RawProgram } from '../config/raw-config.js';
import type { AppConfig, ProgramConfig } from '../config/types.js';

/** The AppOS image the exported services run when a program has no `image:`. */
export const APPOS_IMAGE = 'appos:latest';

/** Users the AppOS image has (docker/Dockerfile), with their uid. */
export const APPOS_IMAGE_USERS: Readonly<Record<string, number>> = { root: 0, appos: 1000 };

/** What an export reads. Values of the environment are never part of it. */
export interface ExportInput {
  /** The loaded, validated config: kinds, dependencies, timeouts. Its texts are never copied. */
  readonly config: AppConfig;
  /** The same file as written: every text of the output comes from here. */
  readonly raw: RawConfig;
  /** The config file's name, for the output's header comment. */
  readonly source: string;
  /** How the output names a program's env_file (relative to where the output is written). */
  readonly envFileRef: (program: ProgramConfig) => string;
}

/** The outcome of an export: text, or the unsupported features that stopped it. */
export interface ExportResult {
  /** Empty when `problems` is not. */
  readonly text: string;
  /** Features the target cannot express: the export fails (exit 1) and writes nothing. */
  readonly problems: readonly string[];
  /** What changes for the user; printed beside the output (stderr), never inside values. */
  readonly notes: readonly string[];
}

/** Collects problems and notes while an export is built. */
export class Findings {
  readonly problems: string[] = [];
  readonly notes: string[] = [];

  /** `where` is a key path such as programs.redis.user. */
  problem(where: string, message: string): void {
    this.problems.push(`${where}: ${message}`);
  }

  note(message: string): void {
    if (!this.notes.includes(message)) this.notes.push(message);
  }
}

/** One program as both exports see it: texts as written, structure from the loaded config. */
export interface ProgramPlan {
  readonly cfg: ProgramConfig;
  readonly raw: RawProgram;
  /** argv as written (references kept). */
  readonly argv: string[];
  /** env as written, in file order (env_file values are never read into it). */
  readonly env: [string, string][];
  readonly image: string | undefined;
}

/** The plans of every program, in file order. */
export function programPlans(input: ExportInput): ProgramPlan[] {
  return input.config.programs.map((cfg) => {
    const raw = input.raw.programs?.[cfg.name] as RawProgram;
    const parsed = parseCommand(raw.command);
    const argv = 'argv' in parsed ? parsed.argv : [...cfg.command];
    const env = Object.entries(raw.env ?? {}).map(([k, v]): [string, string] => [k, String(v)]);
    return { cfg, raw, argv, env, image: raw.image };
  });
}

/** The argv of a raw exec probe, references kept. */
export function probeArgv(probe: RawProbe): string[] {
  if (probe.exec === undefined) return [];
  const parsed = parseCommand(probe.exec);
  return 'argv' in parsed ? parsed.argv : [];
}

/** A duration in ms as compose writes it: 2s, 500ms. */
export function composeDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** The header comment of an exported file. */
export function header(kind: string, source: string): string {
  return `# Exported by \`apposd export ${kind}\` from ${source}. Edit the config and export again.\n`;
}
