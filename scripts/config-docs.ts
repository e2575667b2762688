// Renders docs/configuration.md from the config's JSON Schema (what `apposd schema` prints):
// one table per section with every key's type, default, meaning and an example. Pure: the
// test test/unit/docs/configuration.test.ts compares it with the file; `npm run gen:docs`
// rewrites the file.

/** The parts of a JSON Schema node this page reads. */
export interface SchemaNode {
  type?: string | string[];
  enum?: readonly unknown[];
  $ref?: string;
  description?: string;
  examples?: readonly unknown[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  required?: readonly string[];
  definitions?: Record<string, SchemaNode>;
}

/** One documented key: where it sits and what the schema says of it. */
export interface KeyDoc {
  path: string;
  type: string;
  default: string;
  meaning: string;
  example: string;
}

const DEFAULT_RE = /(?:^|\s)Default: (.+?)\.(?=\s+[A-Z]|$)/;
const REQUIRED_RE = /(?:^|\s)Required\.(?=\s|$)/;

/** YAML flow text of a JSON value, as a config would write it. */
export function flowYaml(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flowYaml).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${k}: ${flowYaml(v)}`);
    return `{ ${entries.join(', ')} }`;
  }
  if (typeof value === 'string') {
    return /^[\w./:@-][\w./:@ -]*$/.test(value) && !/^\d+$/.test(value) && !value.endsWith(' ')
      ? value
      : JSON.stringify(value);
  }
  return String(value);
}

const refName = (ref: string): string => ref.replace('#/definitions/', '');

function typeOf(node: SchemaNode): string {
  if (node.$ref) return `[${refName(node.$ref)}](#${refName(node.$ref).toLowerCase()})`;
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(', ');
  const types = Array.isArray(node.type) ? node.type : node.type ? [node.type] : [];
  if (types.includes('array') && node.items?.$ref) {
    return `list of [${refName(node.items.$ref)}](#${refName(node.items.$ref).toLowerCase()})`;
  }
  if (types.includes('array') && node.items?.type) return `list of ${String(node.items.type)}`;
  if (
    types.length === 1 &&
    types[0] === 'object' &&
    typeof node.additionalProperties === 'object'
  ) {
    const of = node.additionalProperties;
    return `map of ${of.$ref ? `[${refName(of.$ref)}](#${refName(of.$ref).toLowerCase()})` : typeOf(of)}`;
  }
  return types.join(' or ') || 'any';
}

/** The key's documentation from its schema node. */
export function keyDoc(path: string, node: SchemaNode, required = false): KeyDoc {
  const description = node.description ?? '';
  const def = DEFAULT_RE.exec(description)?.[1];
  const meaning = description.replace(DEFAULT_RE, '').replace(REQUIRED_RE, '').trim();
  const example = node.examples?.[0];
  const key = path.split('.').at(-1) ?? path;
  return {
    path,
    type: typeOf(node),
    default: required || REQUIRED_RE.test(description) ? 'required' : (def ?? '—'),
    meaning,
    example: example === undefined ? '—' : `\`${key}: ${flowYaml(example)}\``,
  };
}

/** Prose from the schema, with `*` (globs like LC_*) kept literal instead of read as emphasis. */
const prose = (text: string): string => text.replace(/\*/g, '\\*');
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(rows: readonly KeyDoc[]): string {
  const head = '| key | type | default | meaning | example |\n| --- | --- | --- | --- | --- |';
  const body = rows.map(
    (r) =>
      `| \`${cell(r.path)}\` | ${cell(r.type)} | ${cell(r.default)} | ${cell(prose(r.meaning))} | ${cell(r.example)} |`,
  );
  return [head, ...body].join('\n');
}

/** Every key of an object node, depth first, objects with properties expanded in place. */
function keysOf(node: SchemaNode, prefix: string): KeyDoc[] {
  return Object.entries(node.properties ?? {}).flatMap(([name, child]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    const own = keyDoc(path, child, node.required?.includes(name) ?? false);
    return child.properties ? [own, ...keysOf(child, path)] : [own];
  });
}

interface Section {
  title: string;
  intro: string;
  rows: KeyDoc[];
}

/** The whole page, before prettier formats it. */
export function renderConfigDocs(schema: SchemaNode): string {
  const defs = schema.definitions ?? {};
  const top = Object.entries(schema.properties ?? {});
  const sections: Section[] = [
    {
      title: 'Top level',
      intro: 'The sections of the file; the tables below expand each of them.',
      rows: top.map(([name, node]) => keyDoc(name, node)),
    },
    ...top
      .filter(([, node]) => node.properties)
      .map(([name, node]) => ({
        title: `\`${name}\``,
        intro: node.description ?? '',
        rows: keysOf(node, name),
      })),
    ...(['route', 'program', 'probe'] as const)
      .filter((name) => defs[name])
      .map((name) => ({
        title: name,
        intro: `${defs[name]?.description ?? ''} ${USED_IN[name]}`,
        rows: keysOf(defs[name] as SchemaNode, ''),
      })),
  ];
  const values = Object.entries(defs)
    .filter(([, node]) => !node.properties)
    .map(([name, node]) => `### ${name}\n\n${prose(node.description ?? '')}`);
  return [
    '# Configuration reference',
    '',
    '<!-- Generated by `npm run gen:docs` from the JSON Schema that `node dist/main.js schema`',
    'prints (src/config/schema.ts). Do not edit: change the schema and run `npm run gen:docs`. -->',
    '',
    INTRO,
    '',
    ...sections.flatMap((s) => [`## ${s.title}`, '', s.intro.trim(), '', table(s.rows), '']),
    '## Value types',
    '',
    ...values.flatMap((v) => [v, '']),
  ].join('\n');
}

const USED_IN: Record<'route' | 'program' | 'probe', string> = {
  route: 'Each entry of `http.routes`.',
  program: 'Each entry of `programs` (`programs.NAME`).',
  probe: "The value of a program's `ready` and `live` keys.",
};

const INTRO = `Every key of apposd's config file (\`config/appos.yaml\` in the image; \`config/demo.yaml\`
is a working stack), with its type, its default, what it means and an example. The config path
is \`--config PATH\`, else \`$APPOS_CONFIG\`, else \`config/appos.yaml\` next to the package.
Unknown keys are errors with a did-you-mean; a bad config exits 78 and starts nothing
([cli.md](cli.md#exit-codes)). \`node dist/main.js schema\` prints the same schema as JSON
Schema for an editor's YAML plugin, and \`node dist/main.js check --config PATH\` validates a
file and prints its start plan.

Any value may use environment interpolation as in compose: \`\${VAR}\`, \`\${VAR:-default}\`
(unset or empty), \`\${VAR-default}\` (unset), \`\${VAR:?message}\` (required); \`$$\` is a
literal \`$\`. Keys starting with \`x-\` at the top level are ignored (a place for YAML anchors).`;
