// Maps a key path (["programs", "backend", "depends_on", "redsi"]) to its line:col in the
// parsed YAML document, following aliases and merge keys; formats paths for messages.
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Document,
  type LineCounter,
  type Node,
} from './yaml.js';

/** One step of a key path: a map key or a list index. */
export type PathSegment = string | number;

/** A 1-based position in the file. */
export interface Position {
  readonly line: number;
  readonly col: number;
}

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/** `programs.backend.depends_on.redsi`, `http.routes[2].path`, `programs["a.b"].command`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Finds nodes and positions by key path in one parsed document. */
export class SourceMap {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** The value node at `path`, or undefined when the path is not in the file. */
  node(path: readonly PathSegment[]): Node | undefined {
    return this.walk(path)?.value;
  }

  /**
   * Where `path` is written: its key for map entries (its item for list entries), or the
   * value with `at: 'value'`. Falls back to the deepest ancestor present in the file.
   */
  position(path: readonly PathSegment[], at: 'key' | 'value' = 'key'): Position | undefined {
    for (let len = path.length; len >= 0; len--) {
      const found = this.walk(path.slice(0, len));
      if (!found) continue;
      const value = found.value?.range;
      const useValue = at === 'value' && len === path.length && value && value[1] > value[0];
      const node = useValue ? found.value : (found.key ?? found.value);
      const offset = node?.range?.[0];
      if (offset !== undefined) return this.lines.linePos(offset);
    }
    return undefined;
  }

  private walk(path: readonly PathSegment[]): { key?: Node; value?: Node } | undefined {
    let current: { key?: Node; value?: Node } = { value: this.doc.contents ?? undefined };
    for (const seg of path) {
      const container = this.deref(current.value);
      const next = container === undefined ? undefined : this.child(container, seg);
      if (!next) return undefined;
      current = next;
    }
    return current;
  }

  private deref(node: Node | undefined): Node | undefined {
    let n: unknown = node;
    for (let hops = 0; isAlias(n) && hops < 32; hops++) n = n.resolve(this.doc);
    return n as Node | undefined;
  }

  private child(container: Node, seg: PathSegment): { key?: Node; value?: Node } | undefined {
    if (isSeq(container)) {
      if (typeof seg !== 'number') return undefined;
      const item = container.items[seg];
      return item === undefined ? undefined : { value: item as Node };
    }
    if (!isMap(container)) return undefined;
    for (const pair of container.items) {
      if (isScalar(pair.key) && String(pair.key.value) === String(seg)) {
        return { key: pair.key, value: (pair.value ?? undefined) as Node | undefined };
      }
    }
    for (const pair of container.items) {
      if (!isScalar(pair.key) || typeof pair.key.value !== 'symbol') continue;
      const source = this.deref(pair.value as Node);
      const sources = isSeq(source) ? source.items.map((i) => this.deref(i as Node)) : [source];
      for (const s of sources) {
        const hit = s === undefined ? undefined : this.child(s, seg);
        if (hit) return hit;
      }
    }
    return undefined;
  }
}
