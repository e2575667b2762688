// docs/configuration.md is generated from the schema `apposd schema` prints (jsonSchema()):
// this test renders it again and fails when the file drifted; `npm run gen:docs` rewrites it.
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import {
  type SchemaNode,
  flowYaml,
  keyDoc,
  renderConfigDocs,
} from '../../../scripts/config-docs.js';
import { jsonSchema } from '../../../src/config/schema.js';
import { ROOT } from '../../helpers/daemon.js';

const DOC = join(ROOT, 'docs/configuration.md');
const schema = jsonSchema() as SchemaNode;

/** Every object key of the schema, definitions included, with its dotted path. */
function allKeys(node: SchemaNode, prefix: string): [string, SchemaNode][] {
  return Object.entries(node.properties ?? {}).flatMap(([name, child]) => [
    [`${prefix}${name}`, child] as [string, SchemaNode],
    ...allKeys(child, `${prefix}${name}.`),
  ]);
}

describe('docs/configuration.md', () => {
  it('matches the schema (run `npm run gen:docs` after changing src/config/schema.ts)', async () => {
    const options = { ...(await resolveConfig(DOC)), filepath: DOC };
    const text = await format(renderConfigDocs(schema), options);
    await expect(text).toMatchFileSnapshot(
      DOC,
      'docs/configuration.md is stale: run `npm run gen:docs`',
    );
  });

  it('gives every key a meaning and an example', () => {
    const keys = [
      ...allKeys(schema, ''),
      ...Object.entries(schema.definitions ?? {}).flatMap(([name, def]) =>
        allKeys(def, `${name}.`),
      ),
    ];
    expect(keys.length).toBeGreaterThan(50);
    const missing = keys
      .map(([path, node]) => keyDoc(path, node))
      .filter((k) => k.meaning === '' || k.example === '—')
      .map((k) => k.path);
    expect(missing).toEqual([]);
  });

  it('reads defaults, required keys and examples out of the schema', () => {
    expect(
      keyDoc('stop_timeout', {
        $ref: '#/definitions/duration',
        description: 'Then SIGKILL. Default: 5s.',
        examples: ['3s'],
      }),
    ).toEqual({
      path: 'stop_timeout',
      type: '[duration](#duration)',
      default: '5s',
      meaning: 'Then SIGKILL.',
      example: '`stop_timeout: 3s`',
    });
    expect(
      keyDoc('listen', { type: 'string', description: 'Where. Default: 0.0.0.0:80.' }),
    ).toMatchObject({ default: '0.0.0.0:80', meaning: 'Where.', example: '—' });
    expect(keyDoc('path', { type: 'string', description: 'Prefix.' }, true).default).toBe(
      'required',
    );
    expect(flowYaml({ redis: 'ready', ports: [6379, '8080'], cmd: ['sh', '-c', 'a b'] })).toBe(
      '{ redis: ready, ports: [6379, "8080"], cmd: [sh, -c, a b] }',
    );
  });
});
