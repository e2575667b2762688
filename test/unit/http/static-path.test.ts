import { describe, expect, it } from 'vitest';
import { isNavigation, staticPath } from '../../../src/http/static/path.js';

describe('staticPath', () => {
  it('decodes canonical paths below the prefix', () => {
    expect(staticPath('/', '/')).toBe('/');
    expect(staticPath('/assets/app-3f2a1b.js', '/')).toBe('/assets/app-3f2a1b.js');
    expect(staticPath('/docs/a%20b.html', '/docs')).toBe('/a b.html');
    expect(staticPath('/docs', '/docs')).toBe('/');
    expect(staticPath('/.well-known/x', '/')).toBe('/.well-known/x');
  });

  it('refuses every traversal spelling and non-canonical form', () => {
    for (const p of [
      '/../etc/passwd',
      '/a/../../etc/passwd',
      '/%2e%2e/etc/passwd',
      '/%2E%2E%2Fetc',
      '/..%2fetc',
      '/%252e%252e/etc',
      '/..%252fetc',
      '/a/./b',
      '/a//b',
      '/a\\..\\b',
      '/%5c..%5cb',
      '/a%00.js',
      '/%E0%A4%A',
      '/..',
    ]) {
      expect(staticPath(p, '/'), p).toBeNull();
    }
  });
});

describe('isNavigation', () => {
  it('is a navigation when Accept has text/html or the path has no extension', () => {
    expect(isNavigation('text/html,application/xhtml+xml', '/user/jane.doe')).toBe(true);
    expect(isNavigation('*/*', '/settings')).toBe(true);
    expect(isNavigation(undefined, '/')).toBe(true);
    expect(isNavigation('*/*', '/missing.js')).toBe(false);
    expect(isNavigation(undefined, '/dir.v2/file.css')).toBe(false);
  });
});
