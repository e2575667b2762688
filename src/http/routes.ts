// The route table of the public listener: config routes compiled once into a longest-prefix
// matcher, plus the pure URL helpers the hot path uses (path of a URL, prefix stripping).
import { resolve } from 'node:path';
import { DEFAULTS } from '../config/normalize.js';
import { upstreamName } from '../config/address.js';
import type { Ms, RouteConfig } from '../config/types.js';

/** The built-in health endpoint, answered before any configured route. */
export const HEALTH_PATH = '/api/health';

interface RouteBase {
  /** The prefix as configured, without a trailing slash (except "/"). */
  readonly path: string;
  /** Index in the config's route list (breaks ties between equal prefixes). */
  readonly index: number;
}

/** A route forwarded to an upstream HTTP server. */
export interface ProxyRoute extends RouteBase {
  readonly kind: 'proxy';
  /** Upstream origin, e.g. "http://127.0.0.1:8080". */
  readonly upstream: URL;
  /**
   * Whose state explains upstream trouble: a supervised program, or a probed upstream's name
   * (host:port, edge-only mode); null for neither.
   */
  readonly program: string | null;
  readonly websocket: boolean;
  /** How long requests may wait for a restarting program; 0 = fail at once. */
  readonly holdMs: Ms;
  readonly stripPrefix: boolean;
  /** Upstream failures in a row reported as evidence that `program` is hung (0: never). */
  readonly unhealthyAfter: number;
  /** What the access log names as the upstream. */
  readonly label: string;
}

/** A route served from a directory. */
export interface StaticRoute extends RouteBase {
  readonly kind: 'static';
  /** Absolute directory. */
  readonly root: string;
  readonly spa: boolean;
  readonly label: 'static';
}

export type Route = ProxyRoute | StaticRoute;

function trimSlash(path: string): string {
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) === 47) end--;
  return end === path.length ? path : path.slice(0, end);
}

function compileRoute(cfg: RouteConfig, index: number): Route {
  const path = trimSlash(cfg.path);
  if (cfg.static !== undefined) {
    return {
      kind: 'static',
      path,
      index,
      root: resolve(cfg.static),
      spa: cfg.spa,
      label: 'static',
    };
  }
  if (cfg.upstream === undefined) {
    throw new Error(`route ${cfg.path} has neither upstream nor static`);
  }
  const upstream = new URL(cfg.upstream);
  return {
    kind: 'proxy',
    path,
    index,
    upstream,
    program: cfg.program ?? (cfg.probe ? upstreamName(cfg.upstream) : null),
    websocket: cfg.websocket,
    holdMs: cfg.holdMs ?? 0,
    stripPrefix: cfg.stripPrefix,
    unhealthyAfter: cfg.unhealthyAfter ?? DEFAULTS.unhealthyAfter,
    label: cfg.program ?? upstream.host,
  };
}

/** Anything routed by prefix. */
export interface Prefixed {
  readonly path: string;
  readonly index: number;
}

/** True when `prefix` matches `path` at a segment boundary ("/api" matches "/api/x", not "/apix"). */
export function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === '/') return true;
  if (!path.startsWith(prefix)) return false;
  return path.length === prefix.length || path.charCodeAt(prefix.length) === 47;
}

/** Compiles the configured routes (paths trimmed, static roots absolute, upstreams parsed). */
export function compileRoutes(configs: readonly RouteConfig[]): Route[] {
  return configs.map(compileRoute);
}

/**
 * A longest-prefix matcher over `items`, built once: it returns the item whose prefix is the
 * longest one matching a path at a segment boundary; ties keep config order.
 */
export function createMatcher<T extends Prefixed>(
  items: readonly T[],
): (path: string) => T | undefined {
  const ordered = [...items].sort((a, b) => b.path.length - a.path.length || a.index - b.index);
  const count = ordered.length;
  return (path: string): T | undefined => {
    for (let i = 0; i < count; i++) {
      const item = ordered[i]!;
      if (prefixMatches(item.path, path)) return item;
    }
    return undefined;
  };
}

/** The path part of a request target (everything before "?"). */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Removes `prefix` from the start of a request target, keeping the query; never empty. */
export function stripPrefix(url: string, prefix: string): string {
  if (prefix === '/') return url;
  const rest = url.slice(prefix.length);
  if (rest.length === 0) return '/';
  return rest.charCodeAt(0) === 47 ? rest : '/' + rest;
}
