// Compose-style environment interpolation of one string: ${VAR}, ${VAR:-default},
// ${VAR-default}, ${VAR:?message}, ${VAR?message}, ${VAR:+alt}, ${VAR+alt}, $VAR and $$.
// The environment is passed in; problems name variables, never their values.

/** What interpolating one string produced. */
export interface Interpolation {
  readonly value: string;
  /** Readable problems: a required variable is missing, a `${` is unclosed... */
  readonly problems: readonly string[];
  /** Variables referenced without a default that are not set (they became ""). */
  readonly unset: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const BRACED = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/;

/** Whether `text` contains anything `interpolate` would change. */
export function needsInterpolation(text: string): boolean {
  return text.includes('$');
}

/** Expands `text` against `env`. Never throws: problems are returned. */
export function interpolate(text: string, env: Env): Interpolation {
  const problems: string[] = [];
  const unset: string[] = [];
  const value = expand(text, env, problems, unset);
  return { value, problems, unset };
}

function expand(text: string, env: Env, problems: string[], unset: string[]): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
    } else if (next === '{') {
      const end = closingBrace(text, dollar + 2);
      if (end < 0) {
        problems.push('unclosed "${" (write $$ for a literal $)');
        out += text.slice(dollar);
        break;
      }
      out += expandBraced(text.slice(dollar + 2, end), env, problems, unset);
      i = end + 1;
    } else {
      const name = NAME.exec(text.slice(dollar + 1))?.[0];
      if (name === undefined) {
        out += '$';
        i = dollar + 1;
      } else {
        const value = env[name];
        if (value === undefined) unset.push(name);
        out += value ?? '';
        i = dollar + 1 + name.length;
      }
    }
  }
  return out;
}

/** Index of the `}` closing a `${` whose body starts at `start`, or -1. */
function closingBrace(text: string, start: number): number {
  let depth = 1;
  for (let j = start; j < text.length; j++) {
    const c = text[j];
    if (c === '$' && (text[j + 1] === '{' || text[j + 1] === '$')) {
      if (text[j + 1] === '{') depth++;
      j++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) return j;
    }
  }
  return -1;
}

function expandBraced(body: string, env: Env, problems: string[], unset: string[]): string {
  const m = BRACED.exec(body);
  if (!m) {
    problems.push(
      `invalid interpolation "\${${body}}": expected \${NAME}, \${NAME:-default} or \${NAME:?message}`,
    );
    return '';
  }
  const name = m[1] ?? '';
  const op = m[2];
  const rest = m[3] ?? '';
  const value = env[name];
  const isSet = value !== undefined;
  const isNonEmpty = isSet && value !== '';
  const sub = (): string => expand(rest, env, problems, unset);
  switch (op) {
    case undefined:
      if (!isSet) unset.push(name);
      return value ?? '';
    case ':-':
      return isNonEmpty ? value : sub();
    case '-':
      return isSet ? value : sub();
    case ':+':
      return isNonEmpty ? sub() : '';
    case '+':
      return isSet ? sub() : '';
    case ':?':
    case '?': {
      if (op === ':?' ? isNonEmpty : isSet) return value ?? '';
      const message = sub();
      const state = isSet ? 'is empty' : 'is not set';
      problems.push(`required variable ${name} ${state}${message ? `: ${message}` : ''}`);
      return '';
    }
    default:
      return value ?? '';
  }
}
