import { describe, expect, it } from 'vitest';
import {
  compileRoutes,
  createMatcher,
  pathOf,
  prefixMatches,
  stripPrefix,
  type Route,
} from '../../../src/http/routes.js';
import { route } from '../../helpers/http-edge.js';

const routes = compileRoutes([
  route({
    path: '/terminal',
    upstream: 'http://127.0.0.1:8080',
    program: 'backend',
    websocket: true,
  }),
  route({ path: '/api', upstream: 'http://127.0.0.1:8080', program: 'backend', holdMs: 5000 }),
  route({ path: '/api/v2/', upstream: 'http://127.0.0.1:9000' }),
  route({
    path: '/pb',
    upstream: 'http://127.0.0.1:8090',
    program: 'pocketbase',
    stripPrefix: true,
  }),
  route({ path: '/', static: 'test/fixtures/dashboard', spa: true }),
]);
const match = createMatcher(routes);
const at = (path: string): string | undefined => match(path)?.path;

describe('compileRoutes', () => {
  it('compiles proxy and static routes with their settings', () => {
    const [terminal, api, v2, pb, root] = routes as [Route, Route, Route, Route, Route];
    expect(terminal).toMatchObject({ kind: 'proxy', websocket: true, holdMs: 0, label: 'backend' });
    expect(api).toMatchObject({ kind: 'proxy', holdMs: 5000, program: 'backend' });
    expect(v2).toMatchObject({ path: '/api/v2', program: null, label: '127.0.0.1:9000' });
    expect(pb).toMatchObject({ stripPrefix: true, program: 'pocketbase' });
    expect(root.kind).toBe('static');
    expect(root.kind === 'static' && root.root.startsWith('/')).toBe(true);
  });
});

describe('longest-prefix matching', () => {
  it('picks the longest prefix at a segment boundary', () => {
    expect(at('/api')).toBe('/api');
    expect(at('/api/hello')).toBe('/api');
    expect(at('/api/v2')).toBe('/api/v2');
    expect(at('/api/v2/x')).toBe('/api/v2');
    expect(at('/api/v2x')).toBe('/api');
    expect(at('/apix')).toBe('/');
    expect(at('/pb/_/')).toBe('/pb');
    expect(at('/terminal')).toBe('/terminal');
    expect(at('/')).toBe('/');
    expect(at('/assets/app.js')).toBe('/');
  });

  it('keeps config order between equal prefixes and matches nothing without a root route', () => {
    const m = createMatcher([
      { path: '/a', index: 0, name: 'first' },
      { path: '/a', index: 1, name: 'second' },
    ]);
    expect(m('/a/b')?.name).toBe('first');
    expect(m('/b')).toBeUndefined();
  });

  it('matches prefixes at segment boundaries only', () => {
    expect(prefixMatches('/api', '/api')).toBe(true);
    expect(prefixMatches('/api', '/api/')).toBe(true);
    expect(prefixMatches('/api', '/apis')).toBe(false);
    expect(prefixMatches('/', '/anything')).toBe(true);
  });
});

describe('URL helpers', () => {
  it('takes the path of a request target', () => {
    expect(pathOf('/api/x?y=1')).toBe('/api/x');
    expect(pathOf('/api/x')).toBe('/api/x');
  });

  it('strips a prefix, keeping the query and a leading slash', () => {
    expect(stripPrefix('/pb/api/health?x=1', '/pb')).toBe('/api/health?x=1');
    expect(stripPrefix('/pb', '/pb')).toBe('/');
    expect(stripPrefix('/pb?x=1', '/pb')).toBe('/?x=1');
    expect(stripPrefix('/anything', '/')).toBe('/anything');
  });
});
