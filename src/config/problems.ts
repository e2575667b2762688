// Collects config problems from every loading step, placing each at its line:col through the
// source map, and decides which values are safe to quote back in a message.
import { isScalar, type Node } from './yaml.js';
import type { ConfigProblem } from './config-error.js';
import { formatPath, type PathSegment, type Position, type SourceMap } from './source-map.js';

/** Where checks report what they find. */
export interface Reporter {
  /** Records a problem at `path`, placed at its key (default) or at its value. */
  problem(path: readonly PathSegment[], message: string, at?: 'key' | 'value'): void;
  /** Whether the value at `path` may be quoted in a message (not from env, not a secret). */
  mayQuote(path: readonly PathSegment[]): boolean;
}

const PROBE_TARGETS = new Set(['exec', 'http', 'redis', 'pocketbase']);

/** Whether the value at `path` may carry secrets: program argv and env, probe and upstream URLs. */
function mayHoldSecret(path: readonly PathSegment[]): boolean {
  const [section, , key, probeKind] = path;
  if (section === 'programs') {
    if (key === 'env' || key === 'command') return true;
    return (
      (key === 'ready' || key === 'live') &&
      probeKind !== undefined &&
      PROBE_TARGETS.has(String(probeKind))
    );
  }
  return section === 'http' && path[3] === 'upstream';
}

/** The problems of one load, in the order found. */
export class ProblemCollector implements Reporter {
  readonly problems: ConfigProblem[] = [];
  /** Scalars whose text came (partly) from the environment. */
  readonly interpolated = new Set<Node>();
  private readonly silenced: string[] = [];
  private map: SourceMap | undefined;

  constructor(readonly file: string) {}

  /** Places later problems through this document's source map. */
  useSourceMap(map: SourceMap): void {
    this.map = map;
  }

  /** Problems at or under `path` are dropped from now on (it already has a problem). */
  silence(path: readonly PathSegment[]): void {
    this.silenced.push(formatPath(path));
  }

  problem(path: readonly PathSegment[], message: string, at: 'key' | 'value' = 'key'): void {
    const text = formatPath(path);
    const hidden = this.silenced.some(
      (s) => text === s || text.startsWith(`${s}.`) || text.startsWith(`${s}[`),
    );
    const repeated = this.problems.some((p) => p.path === text && p.message === message);
    if (hidden || repeated) return;
    this.at(this.map?.position(path, at), text, message);
  }

  /** Where the value at `path` is written, when the document has it. */
  valuePosition(path: readonly PathSegment[]): Position | undefined {
    return this.map?.position(path, 'value');
  }

  /** Records a problem at an explicit position (YAML syntax errors, a missing file). */
  at(pos: Position | undefined, path: string, message: string): void {
    const where = pos ? { line: pos.line, col: pos.col } : {};
    this.problems.push({ file: this.file, ...where, path, message });
  }

  /** Whether the value at `path` is an unquoted scalar that took its text from env. */
  fromPlainInterpolation(path: readonly PathSegment[]): boolean {
    const node = this.map?.node(path);
    return isScalar(node) && node.type === 'PLAIN' && this.interpolated.has(node);
  }

  mayQuote(path: readonly PathSegment[]): boolean {
    if (mayHoldSecret(path)) return false;
    const node = this.map?.node(path);
    return node === undefined || !this.interpolated.has(node);
  }
}
