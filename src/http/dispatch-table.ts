// The dispatcher's table: the configured routes compiled into one longest-prefix matcher whose
// entries carry what serving them needs (the proxy binding, or the static files in memory).
import type { HttpConfig } from '../config/types.js';
import type { FileCache } from './static/file-cache.js';
import type { ProxyBinding } from './proxy/binding.js';
import type { UpstreamProxy } from './proxy/fallback/undici.js';
import { compileRoutes, createMatcher, type Prefixed, type StaticRoute } from './routes.js';
import type { StaticMemory } from './static/memory.js';
import type { UpstreamStates } from './proxy/upstream-state.js';

/** A static route with its files in memory. */
interface StaticBinding {
  readonly route: StaticRoute;
  readonly files: FileCache;
}

/** One route of the table. */
export interface Entry extends Prefixed {
  readonly proxy: ProxyBinding | undefined;
  readonly static: StaticBinding | undefined;
  readonly label: string;
}

/** The table with the settings the dispatcher reads per request. */
export interface Edge {
  readonly match: (path: string) => Entry | undefined;
  readonly accessLog: boolean;
  readonly compress: boolean;
}

/** Compiles `http`'s routes (static roots retained in `memory`, proxy targets in `proxy`). */
export function compileEdge(
  http: HttpConfig,
  proxy: UpstreamProxy,
  states: UpstreamStates,
  memory: StaticMemory,
): Edge {
  const routes = compileRoutes(http.routes);
  memory.retain(new Set(routes.flatMap((r) => (r.kind === 'static' ? [r.root] : []))));
  const entries: Entry[] = routes.map((route) =>
    route.kind === 'proxy'
      ? {
          path: route.path,
          index: route.index,
          label: route.label,
          static: undefined,
          proxy: {
            route,
            target: proxy.target(route.upstream),
            view: route.program === null ? null : states.view(route.program),
          },
        }
      : {
          path: route.path,
          index: route.index,
          label: route.label,
          static: { route, files: memory.filesOf(route.root) },
          proxy: undefined,
        },
  );
  return { match: createMatcher(entries), accessLog: http.accessLog, compress: http.compress };
}
