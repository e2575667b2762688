// The config room's one door to the `yaml` library: parsing a config (merge keys, line
// positions), reading a document as plain data, writing YAML for other tools, and node guards.
import { LineCounter, parseDocument, stringify, type Document } from 'yaml';

export { LineCounter, isAlias, isMap, isScalar, isSeq } from 'yaml';
export type { Document, Node } from 'yaml';

/** Aliases a document may expand before toJS refuses it (a billion-laughs guard). */
const MAX_ALIAS_COUNT = 1000;

/** `text` parsed with merge keys (`<<`) applied; `lines` maps offsets to line:column. */
export function parseYaml(text: string): { doc: Document; lines: LineCounter } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true });
  return { doc, lines };
}

/** The plain data of `doc` (aliases expanded); `{}` for an empty document. Throws on alias bombs. */
export function yamlData(doc: Document): unknown {
  return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
}

/**
 * YAML text of `docs`, separated by `---` when there are several.
 * Written for YAML 1.1 readers (docker-compose, kubectl): "yes", "no", "on" stay strings.
 */
export function toYamlDocuments(docs: readonly unknown[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0, version: '1.1' })).join('---\n');
}
