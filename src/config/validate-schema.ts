// Validates the interpolated file against the JSON Schema with ajv (all errors) and turns
// ajv's errors into readable problems: did-you-mean for keys and enum values, units in words.
import type { ErrorObject, Options } from 'ajv';
import type { Reporter } from './problems.js';
import { validate as compiled } from './schema-validator.generated.js';
import { DEFINITION_WORDS } from './schema.js';
import { didYouMeanSuffix } from './suggest.js';
import type { PathSegment } from './source-map.js';

/** The ajv options the committed validator was generated with (see its test). */
export const AJV_OPTIONS: Options = {
  allErrors: true,
  verbose: true,
  allowUnionTypes: true,
};

interface Validator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

const validator = (): Validator => compiled as Validator;

/**
 * Checks `data` against the schema, reporting every violation; returns whether it passed.
 * Where a number or boolean is expected and `retypable(path)` (an unquoted `${VAR}` value),
 * a string such as "10" or "true" is first turned into that type, in place, as YAML would.
 */
export function validateSchema(
  data: unknown,
  report: Reporter,
  retypable: (path: readonly PathSegment[]) => boolean = () => false,
): boolean {
  const validate = validator();
  if (validate(data)) return true;
  if (retype(validate.errors ?? [], data, retypable) && validate(data)) return true;
  for (const error of validate.errors ?? []) {
    const path = pointerToPath(error.instancePath, data);
    const problem = describe(error, path, report);
    report.problem(problem.path, problem.message, problem.at);
  }
  return false;
}

const CANONICAL_INT = /^(?:0|-?[1-9][0-9]{0,14})$/;

/** Retypes strings flagged by `type` errors where allowed; returns whether any changed. */
function retype(
  errors: readonly ErrorObject[],
  data: unknown,
  retypable: (path: readonly PathSegment[]) => boolean,
): boolean {
  let changed = false;
  for (const error of errors) {
    if (error.keyword !== 'type' || typeof error.data !== 'string') continue;
    const path = pointerToPath(error.instancePath, data);
    const last = path.at(-1);
    if (last === undefined || !retypable(path)) continue;
    const types = String((error.params as { type?: string }).type).split(',');
    let value: number | boolean | undefined;
    if (types.some((t) => t === 'integer' || t === 'number') && CANONICAL_INT.test(error.data)) {
      value = Number(error.data);
    } else if (types.includes('boolean') && /^(?:true|false)$/.test(error.data)) {
      value = error.data === 'true';
    }
    const parent = valueAt(data, path.slice(0, -1));
    if (value === undefined || parent === null || typeof parent !== 'object') continue;
    (parent as Record<string | number, unknown>)[last] = value;
    changed = true;
  }
  return changed;
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let node = data;
  for (const seg of path) {
    node =
      node !== null && typeof node === 'object'
        ? (node as Record<string, unknown>)[seg]
        : undefined;
  }
  return node;
}

/** JSON pointer to key path, with list indexes as numbers. */
function pointerToPath(pointer: string, data: unknown): PathSegment[] {
  const path: PathSegment[] = [];
  let node = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      path.push(Number(key));
      node = node[Number(key)];
    } else {
      path.push(key);
      node =
        node !== null && typeof node === 'object'
          ? (node as Record<string, unknown>)[key]
          : undefined;
    }
  }
  return path;
}

interface Described {
  path: PathSegment[];
  message: string;
  at: 'key' | 'value';
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  object: 'a map',
  array: 'a list',
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  null: 'nothing',
};

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a number';
  if (typeof value === 'boolean') return 'true or false';
  return 'a string';
}

/** `5`, `"5 s"`, or just the kind of value when it must not be quoted. */
function got(value: unknown, quotable: boolean): string {
  if (!quotable || value === null || typeof value === 'object' || value === undefined) {
    return kindOf(value);
  }
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  }
  return String(value);
}

/** The `definitions/<name>` an error's schema path went through last, if any. */
function definitionOf(error: ErrorObject): string | undefined {
  const m = /#\/definitions\/([^/]+)\/[^/]+$/.exec(error.schemaPath);
  return m?.[1];
}

function expectedWords(error: ErrorObject): string {
  const def = definitionOf(error);
  if (def !== undefined && DEFINITION_WORDS[def] !== undefined) return DEFINITION_WORDS[def];
  const types = String((error.params as { type?: string }).type ?? '').split(',');
  const words = types.map((t) => TYPE_WORDS[t] ?? t);
  return words.length > 1
    ? `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`
    : (words[0] ?? '');
}

function describe(error: ErrorObject, path: PathSegment[], report: Reporter): Described {
  const quotable = report.mayQuote(path);
  const value: unknown = error.data;
  const at = 'value' as const;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(
        (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ??
          {},
      );
      const hint = didYouMeanSuffix(key, allowed);
      const list =
        hint === '' && allowed.length > 0 ? `; expected one of: ${allowed.join(', ')}` : '';
      return { path: [...path, key], message: `unknown key${hint}${list}`, at: 'key' };
    }
    case 'required': {
      const key = String((error.params as { missingProperty: string }).missingProperty);
      return { path, message: `missing required key "${key}"`, at: 'key' };
    }
    case 'type': {
      const expected = expectedWords(error);
      const hint =
        definitionOf(error) === 'duration' && typeof value === 'number' && quotable
          ? ` (write ${value}${value < 100 ? 's' : 'ms'})`
          : '';
      return { path, message: `expected ${expected}, got ${got(value, quotable)}${hint}`, at };
    }
    case 'pattern':
      return { path, message: `expected ${expectedWords(error)}, got ${got(value, quotable)}`, at };
    case 'enum': {
      const allowed = ((error.params as { allowedValues?: unknown[] }).allowedValues ?? []).map(
        String,
      );
      const hint = typeof value === 'string' && quotable ? didYouMeanSuffix(value, allowed) : '';
      return {
        path,
        message: `expected one of ${allowed.join(', ')}; got ${got(value, quotable)}${hint}`,
        at,
      };
    }
    case 'minimum':
    case 'maximum': {
      const limit = (error.params as { limit: number }).limit;
      const op = error.keyword === 'minimum' ? '>=' : '<=';
      return { path, message: `must be ${op} ${limit}, got ${got(value, quotable)}`, at };
    }
    case 'minItems':
    case 'minLength':
      return { path, message: 'must not be empty', at };
    case 'uniqueItems': {
      const { i, j } = error.params as { i: number; j: number };
      const [first, second] = [i, j].sort((a, b) => a - b);
      return { path, message: `has duplicate entries (items ${first} and ${second})`, at };
    }
    default:
      return { path, message: error.message ?? `fails ${error.keyword}`, at };
  }
}
