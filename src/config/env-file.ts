// Parses an env_file: KEY=VALUE lines, `#` comments, blank lines, an optional `export `
// prefix, optional single or double quotes. Problems give line numbers, never values.

/** What one env file yields. */
export interface EnvFileResult {
  readonly vars: Record<string, string>;
  /** e.g. "line 3: expected KEY=VALUE". */
  readonly problems: string[];
}

const LINE = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/;
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t' };

/** Parses the text of an env file. */
export function parseEnvFile(text: string): EnvFileResult {
  const vars: Record<string, string> = {};
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = LINE.exec(line);
    if (!m) {
      problems.push(`line ${index + 1}: expected KEY=VALUE`);
      return;
    }
    const value = unquote(m[2] ?? '');
    if (value === undefined) {
      problems.push(`line ${index + 1}: unterminated quote`);
      return;
    }
    vars[m[1] ?? ''] = value;
  });
  return { vars, problems };
}

/** The value without its quotes; undefined when a quote is left open. */
function unquote(value: string): string | undefined {
  const quote = value[0];
  if (quote === '"' || quote === "'") {
    const end = closingQuote(value, quote);
    if (end < 0) return undefined;
    const body = value.slice(1, end);
    if (quote === "'") return body;
    return body.replace(/\\(.)/g, (_, c: string) => ESCAPES[c] ?? c);
  }
  return value.replace(/\s+#.*$/, '');
}

function closingQuote(value: string, quote: string): number {
  for (let i = 1; i < value.length; i++) {
    if (quote === '"' && value[i] === '\\') i++;
    else if (value[i] === quote) return i;
  }
  return -1;
}
