// Applies environment interpolation to every string value of a parsed YAML document (keys
// are left alone), after parsing, so positions in problems stay those of the file.
import { isMap, isScalar, isSeq, type Document, type Node } from './yaml.js';
import { interpolate, needsInterpolation } from './interpolate.js';
import type { ProblemCollector } from './problems.js';
import type { PathSegment } from './source-map.js';

type Env = Readonly<Record<string, string | undefined>>;

/** A variable used without a default that is not set, and the key path of the value using it. */
export interface UnsetUse {
  readonly name: string;
  readonly path: readonly PathSegment[];
}

/**
 * Interpolates `doc` in place. Problems go to `problems` (and silence later ones at the same
 * path); scalars that took text from `env` are added to `problems.interpolated`.
 * Returns every use of a variable without a default that is not set, in document order.
 */
export function interpolateDocument(
  doc: Document,
  env: Env,
  problems: ProblemCollector,
): UnsetUse[] {
  const unset: UnsetUse[] = [];
  const walk = (node: unknown, path: PathSegment[]): void => {
    if (isScalar(node)) {
      if (typeof node.value !== 'string' || !needsInterpolation(node.value)) return;
      const result = interpolate(node.value, env);
      for (const message of result.problems) problems.problem(path, message, 'value');
      if (result.problems.length > 0) problems.silence(path);
      for (const name of new Set(result.unset)) unset.push({ name, path });
      if (node.value.replaceAll('$$', '').includes('$')) problems.interpolated.add(node as Node);
      node.value = result.value;
    } else if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        if (typeof key === 'string' || typeof key === 'number')
          walk(pair.value, [...path, String(key)]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    }
  };
  walk(doc.contents, []);
  return unset;
}
