// Every relative link in README.md and docs/*.md points at a file of the repository, and every
// #anchor at a heading of its page (GitHub's heading ids): a clone holds all the docs it names.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/daemon.js';

const PAGES = [
  join(ROOT, 'README.md'),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(ROOT, 'docs', f)),
];

/** The text outside fenced code blocks and inline code spans. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's id for a heading: lower case, punctuation dropped, spaces to dashes, -N when repeated. */
function headingIds(markdown: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  const outside = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const [, text] of outside.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = (text ?? '')
      .toLowerCase()
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    ids.add(n === 0 ? base : `${base}-${n}`);
  }
  return ids;
}

/** The [text](target) link targets of a page that are not URLs. */
function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1] ?? '')
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

describe('links in README.md and docs/', () => {
  it.each(PAGES.map((p) => [relative(ROOT, p), p]))(
    '%s: every relative link resolves',
    (_, page) => {
      const text = readFileSync(page, 'utf8');
      const broken: string[] = [];
      for (const target of relativeLinks(text)) {
        const [path = '', anchor] = target.split('#');
        const file = path === '' ? page : join(dirname(page), decodeURIComponent(path));
        const inside = !relative(ROOT, file).startsWith('..');
        if (!inside || !existsSync(file)) {
          broken.push(`${target}: ${inside ? 'no such file' : 'outside the repository'}`);
          continue;
        }
        if (anchor !== undefined && file.endsWith('.md')) {
          if (!headingIds(readFileSync(file, 'utf8')).has(anchor))
            broken.push(`${target}: no such heading`);
        }
      }
      expect(broken).toEqual([]);
    },
  );

  it('README links the reference in docs/', () => {
    const links = relativeLinks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    for (const doc of ['configuration.md', 'cli.md', 'http.md', 'appos-ctl.md']) {
      expect(links).toContain(`docs/${doc}`);
    }
  });

  it('finds GitHub heading ids', () => {
    const ids = headingIds('# A B\n## `log` key\n## GET /api/health\n## A B\n```\n# no\n```\n');
    expect([...ids]).toEqual(['a-b', 'log-key', 'get-apihealth', 'a-b-1']);
  });
});
