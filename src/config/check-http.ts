// Semantic checks of the `http` section: the listen address and the routes (path shape,
// exactly one of upstream/static, options that fit the route's kind, known programs, and no
// upstream that is apposd's own listener (every request would loop back to itself).
import { type HostPort, isUrl, parseHostPort, upstreamName } from './address.js';
import { checkProbe } from './check-programs.js';
import type { Reporter } from './problems.js';
import { programEntries, record } from './shape.js';
import type { PathSegment } from './source-map.js';
import { didYouMeanSuffix } from './suggest.js';

const UPSTREAM_ONLY = [
  'hold',
  'websocket',
  'strip_prefix',
  'program',
  'probe',
  'unhealthy_after',
] as const;

/** http.listen when the file does not say (as normalize.ts). */
const DEFAULT_LISTEN = '0.0.0.0:80';

const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';
const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host.startsWith('127.') || isWildcard(host);

/**
 * Whether a request sent to `upstream` reaches `listen`: same port, and the same host, or
 * both on this machine's loopback, or the listener on every interface and the upstream local.
 */
export function loopsBack(upstream: string, listen: HostPort): boolean {
  const url = new URL(upstream);
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  if (port !== listen.port) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === listen.host) return true;
  return isLoopback(host) && (isWildcard(listen.host) || isLoopback(listen.host));
}

/** Reports every problem in `data.http` (the raw, interpolated file). */
export function checkHttp(data: unknown, report: Reporter): void {
  const http = record(record(data)?.http);
  if (!http) return;
  let listen: HostPort | undefined;
  if (typeof http.listen === 'string' || http.listen === undefined) {
    const parsed = parseHostPort(http.listen ?? DEFAULT_LISTEN, '0.0.0.0');
    if ('error' in parsed) report.problem(['http', 'listen'], parsed.error, 'value');
    else listen = parsed;
  }
  if (!Array.isArray(http.routes)) return;
  const programs = programEntries(data).map(([name]) => name);
  const paths = new Map<string, number>();
  const probes = new Map<string, { index: number; probe: string }>();
  http.routes.forEach((raw: unknown, i) => {
    const route = record(raw);
    if (!route) return;
    const at = (...rest: PathSegment[]): PathSegment[] => ['http', 'routes', i, ...rest];
    if (typeof route.path === 'string') {
      if (!route.path.startsWith('/')) {
        report.problem(at('path'), 'a route path starts with "/"', 'value');
      }
      const key = route.path.length > 1 ? route.path.replace(/\/+$/, '') : route.path;
      const first = paths.get(key);
      if (first === undefined) paths.set(key, i);
      else report.problem(at('path'), `duplicate route path (also http.routes[${first}])`, 'value');
    }
    const upstream = route.upstream !== undefined;
    const isStatic = route.static !== undefined;
    if (upstream === isStatic) {
      const why = upstream ? 'has both upstream and static' : 'has neither upstream nor static';
      report.problem(at(), `a route ${why}: give exactly one`);
    }
    if (typeof route.upstream === 'string' && !isUrl(route.upstream, ['http:', 'https:'])) {
      report.problem(at('upstream'), 'expected a URL like http://127.0.0.1:8080', 'value');
    } else if (
      typeof route.upstream === 'string' &&
      listen !== undefined &&
      loopsBack(route.upstream, listen)
    ) {
      report.problem(
        at('upstream'),
        `upstream is apposd's own listener (http.listen port ${listen.port}): requests would loop`,
        'value',
      );
    }
    if (!upstream) {
      for (const key of UPSTREAM_ONLY) {
        if (route[key] !== undefined) {
          report.problem(at(key), `${key} applies to upstream routes only`);
        }
      }
    } else if (route.hold !== undefined && route.program === undefined && !route.probe) {
      report.problem(
        at('hold'),
        'hold needs `program` or `probe` (whose return requests wait for)',
      );
    } else if (route.unhealthy_after !== undefined && route.program === undefined) {
      report.problem(at('unhealthy_after'), 'unhealthy_after needs `program` (what to restart)');
    }
    const probe = record(route.probe);
    if (probe) {
      checkProbe(probe, at('probe'), report);
      if (route.program !== undefined) {
        report.problem(at('probe'), 'probe is for upstreams apposd does not run: drop `program`');
      }
      if (typeof route.upstream === 'string' && isUrl(route.upstream, ['http:', 'https:'])) {
        const name = upstreamName(route.upstream);
        const first = probes.get(name);
        if (first === undefined) probes.set(name, { index: i, probe: JSON.stringify(probe) });
        else if (first.probe !== JSON.stringify(probe)) {
          const where = `http.routes[${first.index}]`;
          report.problem(at('probe'), `upstream ${name} has another probe in ${where}: use one`);
        }
      }
    }
    if (!isStatic && route.spa !== undefined) {
      report.problem(at('spa'), 'spa applies to static routes only');
    }
    if (typeof route.program === 'string' && !programs.includes(route.program)) {
      const hint = didYouMeanSuffix(route.program, programs);
      report.problem(at('program'), `unknown program "${route.program}"${hint}`, 'value');
    }
  });
}
