// Which of apposd's environment variables a program inherits: a small base set plus what
// `pass_env` names (names or globs, top level for all programs, per program added). Nothing
// else of apposd's environment reaches a program; env_file and env go on top at spawn.

type Env = Readonly<Record<string, string | undefined>>;

/** Inherited by every program: what a process needs to find binaries, home, locale and time. */
export const BASE_ENV: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LC_*',
  'TZ',
];

/** What a `pass_env` entry may be: a variable name, or a glob with `*` and `?`. */
export const PASS_ENV_PATTERN = '^[A-Za-z0-9_.*?-]+$';

/** A predicate for names matching any of `patterns` (`*` any run, `?` one character). */
export function envMatcher(patterns: readonly string[]): (name: string) => boolean {
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (const p of patterns) {
    if (!p.includes('*') && !p.includes('?')) {
      exact.add(p);
      continue;
    }
    const body = p
      .replace(/[.+^${}()|[\]\\-]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    globs.push(new RegExp(`^${body}$`, 's'));
  }
  return (name) => exact.has(name) || globs.some((g) => g.test(name));
}

/**
 * The variables of `env` a program inherits: the base set and whatever `passEnv` names
 * (patterns). Values may be secrets: callers never log them.
 */
export function inheritedEnv(env: Env, passEnv: readonly string[]): Record<string, string> {
  const matches = envMatcher([...BASE_ENV, ...passEnv]);
  const out: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value !== undefined && matches(name)) out[name] = value;
  }
  return out;
}
