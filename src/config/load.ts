// Loads config/appos.yaml as a recipe of named steps: read -> parse YAML -> interpolate ->
// validate schema -> semantic checks -> read env files -> normalize -> host checks -> freeze.
// Every problem found is collected and thrown together as one ConfigError (exit 78).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { checkData } from './check-data.js';
import { checkDependencies } from './check-dependencies.js';
import { checkHost } from './check-host.js';
import { checkHttp } from './check-http.js';
import { checkPrograms } from './check-programs.js';
import { ConfigError } from './config-error.js';
import { parseEnvFile } from './env-file.js';
import { interpolateDocument } from './interpolate-document.js';
import { normalize } from './normalize.js';
import { ProblemCollector } from './problems.js';
import type { RawConfig } from './raw-config.js';
import { programEntries } from './shape.js';
import { SourceMap } from './source-map.js';
import type { AppConfig, UnsetVariable } from './types.js';
import { unsetVariables, unsetWarning } from './unset-variables.js';
import { validateSchema } from './validate-schema.js';
import { type Document, parseYaml, yamlData } from './yaml.js';

type Env = Readonly<Record<string, string | undefined>>;

/** How far loading looks beyond the file itself. */
export interface LoadOptions {
  /**
   * true: also check what only this host can tell (each program's command on its PATH, user,
   * group and cwd). false (`--host-independent`, for a config meant for another machine such
   * as an image being built): none of that, and a missing env_file is read as empty with a
   * warning. Absent: env_file must be readable, nothing else of the host is checked.
   */
  readonly hostChecks?: boolean;
}

/** The state the steps pass along. */
interface LoadContext {
  readonly file: string;
  readonly env: Env;
  readonly hostChecks: boolean | undefined;
  readonly problems: ProblemCollector;
  readonly warnings: string[];
  unset: UnsetVariable[];
  readonly envFiles: Map<string, Record<string, string>>;
  text: string;
  doc?: Document;
  data: unknown;
  config?: AppConfig;
}

interface Step {
  readonly name: string;
  readonly run: (ctx: LoadContext) => void;
  /** Stop after this step when any problem has been found (later steps need its output). */
  readonly gate?: boolean;
}

/** The loading recipe, in order. */
const LOAD_STEPS: readonly Step[] = [
  { name: 'read', run: read, gate: true },
  { name: 'parse yaml', run: parseStep, gate: true },
  { name: 'interpolate', run: interpolateStep },
  { name: 'validate schema', run: validateStep },
  { name: 'semantic checks', run: semanticStep },
  { name: 'read env files', run: readEnvFiles, gate: true },
  { name: 'normalize', run: normalizeStep },
  { name: 'host checks', run: hostStep },
  { name: 'freeze', run: freezeStep },
];

/**
 * Loads, validates and resolves the config at `file` against `env` (used for `${VAR}` and
 * defaults such as $APPOS_CTL_SOCKET), with host checks when `options` asks. Returns a deeply frozen AppConfig; throws a
 * ConfigError listing every problem found.
 */
export function loadConfig(file: string, env: Env, options: LoadOptions = {}): AppConfig {
  const abs = resolve(file);
  const ctx: LoadContext = {
    file: abs,
    env,
    hostChecks: options.hostChecks,
    problems: new ProblemCollector(abs),
    warnings: [],
    unset: [],
    envFiles: new Map(),
    text: '',
    data: undefined,
  };
  for (const step of LOAD_STEPS) {
    step.run(ctx);
    if (step.gate && ctx.problems.problems.length > 0) break;
  }
  if (ctx.problems.problems.length > 0 || !ctx.config) {
    throw new ConfigError(abs, ctx.problems.problems);
  }
  return ctx.config;
}

/**
 * The file at `file` as written, `${VAR}` references kept (YAML anchors and merges applied):
 * what `apposd export` copies text from. Call it after loadConfig accepted the same file.
 */
export function readRawConfig(file: string): RawConfig {
  return yamlData(parseYaml(readFileSync(resolve(file), 'utf8')).doc) as RawConfig;
}

/** `--config`, else `$APPOS_CONFIG`, else `<packageRoot>/config/appos.yaml`; made absolute. */
export function resolveConfigPath(flag: string | undefined, env: Env, packageRoot: string): string {
  if (flag !== undefined) return resolve(flag);
  const fromEnv = env.APPOS_CONFIG;
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  return resolve(packageRoot, 'config', 'appos.yaml');
}

function readError(err: unknown, what: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${what} not found`;
  if (code === 'EACCES' || code === 'EPERM') return `${what} is not readable (permission denied)`;
  if (code === 'EISDIR') return `${what} is a directory`;
  return `${what} cannot be read (${code ?? String(err)})`;
}

function read(ctx: LoadContext): void {
  try {
    ctx.text = readFileSync(ctx.file, 'utf8');
  } catch (err) {
    const hint =
      (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? ' (use --config PATH or set APPOS_CONFIG)'
        : '';
    ctx.problems.at(undefined, '', `${readError(err, 'config file')}${hint}`);
  }
}

const FLOW_HINT = ' (inside [ ] or { }, quote values that use ${...}: "${VAR}")';

function parseStep(ctx: LoadContext): void {
  const { doc, lines } = parseYaml(ctx.text);
  const sourceLines = ctx.text.split('\n');
  for (const error of doc.errors) {
    const pos = lines.linePos(error.pos[0]);
    const hint = sourceLines[pos.line - 1]?.includes('${') ? FLOW_HINT : '';
    ctx.problems.at(pos, '', `YAML syntax error: ${error.message}${hint}`);
  }
  ctx.doc = doc;
  ctx.problems.useSourceMap(new SourceMap(doc, lines));
}

function interpolateStep(ctx: LoadContext): void {
  if (!ctx.doc) return;
  const uses = interpolateDocument(ctx.doc, ctx.env, ctx.problems);
  ctx.unset = unsetVariables(ctx.file, uses, (path) => ctx.problems.valuePosition(path));
  ctx.warnings.push(...ctx.unset.map(unsetWarning));
  try {
    ctx.data = yamlData(ctx.doc);
  } catch (err) {
    ctx.problems.at(undefined, '', `YAML error: ${(err as Error).message}`);
    ctx.data = {};
  }
}

function validateStep(ctx: LoadContext): void {
  validateSchema(ctx.data, ctx.problems, (path) => ctx.problems.fromPlainInterpolation(path));
}

function semanticStep(ctx: LoadContext): void {
  checkPrograms(ctx.data, ctx.problems);
  checkDependencies(ctx.data, ctx.problems);
  checkHttp(ctx.data, ctx.problems);
  checkData(ctx.data, ctx.problems);
}

function readEnvFiles(ctx: LoadContext): void {
  for (const [name, body] of programEntries(ctx.data)) {
    if (typeof body.env_file !== 'string') continue;
    const path = resolve(dirname(ctx.file), body.env_file);
    const at = ['programs', name, 'env_file'];
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      if (missing && ctx.hostChecks === false) {
        ctx.warnings.push(
          `programs.${name}.env_file: ${path} not found on this host; read as empty`,
        );
      } else {
        ctx.problems.problem(at, `${readError(err, `env_file ${path}`)}`, 'value');
      }
      continue;
    }
    const parsed = parseEnvFile(text);
    for (const message of parsed.problems) ctx.problems.problem(at, `${path} ${message}`, 'value');
    ctx.envFiles.set(name, parsed.vars);
  }
}

function normalizeStep(ctx: LoadContext): void {
  ctx.config = normalize({
    file: ctx.file,
    raw: ctx.data as RawConfig,
    env: ctx.env,
    envFiles: ctx.envFiles,
    warnings: ctx.warnings,
    unset: ctx.unset,
  });
}

function hostStep(ctx: LoadContext): void {
  if (ctx.hostChecks === true && ctx.config) checkHost(ctx.config.programs, ctx.env, ctx.problems);
}

function freezeStep(ctx: LoadContext): void {
  if (ctx.config) ctx.config = finalize(ctx.config);
}

/** Drops keys whose value is undefined and freezes, all the way down. */
function finalize<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      value[i] = finalize(item);
    });
  } else {
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      if (obj[key] === undefined) delete obj[key];
      else obj[key] = finalize(obj[key]);
    }
  }
  return Object.freeze(value);
}
