// ConfigError: every problem found in a config file (file:line:col, key path, message),
// formatted as one readable report for `apposd` / `apposd check` (exit 78).
import { AppError } from '../errors.js';

/** One thing wrong with the config. Messages name variables, never their values. */
export interface ConfigProblem {
  readonly file: string;
  /** 1-based; absent when the problem has no place in the file (e.g. it is missing). */
  readonly line?: number;
  readonly col?: number;
  /** Key path such as `programs.backend.depends_on`; empty for the file as a whole. */
  readonly path: string;
  readonly message: string;
}

/** The config could not be loaded; `problems` lists everything found, in file order. */
export class ConfigError extends AppError {
  readonly file: string;
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: readonly ConfigProblem[]) {
    const sorted = [...problems].sort(byPosition);
    super('APPOS_ERR_CONFIG', formatProblems(file, sorted));
    this.name = 'ConfigError';
    this.file = file;
    this.problems = sorted;
  }

  /** One readable report: a header line, then one aligned line per problem. */
  format(): string {
    return this.message;
  }
}

function byPosition(a: ConfigProblem, b: ConfigProblem): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0);
}

function location(p: ConfigProblem): string {
  return p.line === undefined ? p.file : `${p.file}:${p.line}:${p.col ?? 1}`;
}

/** The report `ConfigError.format()` returns. */
export function formatProblems(file: string, problems: readonly ConfigProblem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const width = Math.max(0, ...problems.map((p) => location(p).length));
  const lines = problems.map((p) => {
    const what = p.path === '' ? p.message : `${p.path}: ${p.message}`;
    return `  ${location(p).padEnd(width)}  ${what}`;
  });
  return [`invalid config ${file} (${count}):`, ...lines].join('\n');
}
