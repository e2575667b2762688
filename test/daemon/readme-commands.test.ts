// The README's commands run as written from the repository root after `npm ci`: every shell
// line runs apposd and appos-ctl one way (node dist/main.js, node dist/ctl.js; in the image,
// docker exec appos appos-ctl), and the safe ones (check, schema, --version, appos-ctl --help)
// are run here, in a shell, with a PATH that holds no node_modules/.bin.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonSchema } from '../../src/config/schema.js';
import { ROOT } from '../helpers/daemon.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const PATH_WITHOUT_NPM = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((dir) => !dir.includes('node_modules'))
  .join(delimiter);

/** The command lines of the README's sh blocks and the `$ ` lines of its console blocks. */
function shellLines(markdown: string): string[] {
  const lines: string[] = [];
  for (const [, lang, body] of markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    const joined = (body ?? '').replace(/\\\n/g, ' ').split('\n');
    if (['sh', 'bash', 'shell'].includes(lang ?? '')) lines.push(...joined);
    if (lang === 'console')
      lines.push(...joined.filter((l) => l.startsWith('$ ')).map((l) => l.slice(2)));
  }
  return lines.map((l) => l.replace(/(^|\s)#\s.*$/, '').trim()).filter((l) => l !== '');
}

/** Each simple command of a line, its leading VAR=value assignments dropped. */
function commands(line: string): string[] {
  return line
    .split(/&&|\|\||;|\|/)
    .map((c) => c.trim().replace(/^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+/, ''))
    .filter((c) => c !== '');
}

const SAFE =
  /^node dist\/main\.js (?:check(?: --config \S+)?|schema|--version)$|^node dist\/ctl\.js --help$/;

describe("the README's commands", () => {
  const lines = shellLines(README);

  it('run apposd and appos-ctl one way: node dist/main.js and node dist/ctl.js', () => {
    expect(lines.length).toBeGreaterThan(10);
    const other = lines
      .flatMap(commands)
      .filter(
        (c) => /^(?:apposd|appos-ctl|npx|sudo apposd)\b/.test(c) || /^node (?!dist\/)/.test(c),
      );
    expect(other).toEqual([]);
  });

  it('that are safe run as written from the repository root, without npm', () => {
    const safe = lines.filter((l) => SAFE.test(l));
    expect(safe.map((l) => l.split(' ').slice(2, 3)[0])).toEqual(
      expect.arrayContaining(['check', 'schema', '--version', '--help']),
    );
    for (const line of safe) {
      const r = spawnSync('sh', ['-c', line], {
        cwd: ROOT,
        env: { PATH: PATH_WITHOUT_NPM, HOME: process.env.HOME ?? '/root' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect([line, r.status, r.stderr]).toEqual([line, 0, '']);
      expect(r.stdout.length, line).toBeGreaterThan(0);
      if (line.endsWith(' schema')) expect(JSON.parse(r.stdout)).toEqual(jsonSchema());
      if (line.endsWith(' --version')) expect(r.stdout).toMatch(/^apposd \d+\.\d+\.\d+\n$/);
      if (line.includes(' check')) expect(r.stdout).toMatch(/ is valid\n/);
    }
  });
});
