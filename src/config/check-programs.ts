// Semantic checks of each program that the schema cannot express: names, commands (no shell
// operators), probes (exactly one kind, well-formed targets), backoff bounds, env names.
import { isUrl, parseHostPort } from './address.js';
import { parseCommand } from './command.js';
import type { Reporter } from './problems.js';
import { PROBE_KINDS } from './schema.js';
import { programEntries, record } from './shape.js';
import type { PathSegment } from './source-map.js';
import { isDuration, parseDuration } from './units.js';

/** Valid program names. */
export const PROGRAM_NAME = /^[A-Za-z0-9_.-]+$/;

/** Reports every per-program problem in `data` (the raw, interpolated file). */
export function checkPrograms(data: unknown, report: Reporter): void {
  for (const [name, body] of programEntries(data)) {
    const at = (...rest: PathSegment[]): PathSegment[] => ['programs', name, ...rest];
    if (!PROGRAM_NAME.test(name)) {
      report.problem(at(), 'program names may use only letters, digits, "_", "." and "-"');
    } else if (name === 'all') {
      report.problem(at(), '"all" is reserved: appos-ctl uses it to mean every program');
    }
    checkCommand(body.command, at('command'), report);
    for (const which of ['ready', 'live'] as const) {
      const probe = record(body[which]);
      if (probe) checkProbe(probe, at(which), report);
    }
    const backoff = record(body.backoff);
    if (
      typeof backoff?.initial === 'string' &&
      typeof backoff.max === 'string' &&
      isDuration(backoff.initial) &&
      isDuration(backoff.max) &&
      parseDuration(backoff.initial) > parseDuration(backoff.max)
    ) {
      report.problem(at('backoff', 'initial'), 'must not be longer than backoff.max');
    }
    for (const key of Object.keys(record(body.env) ?? {})) {
      if (key === '' || key.includes('=') || key.includes('\0')) {
        report.problem(at('env', key), 'an environment variable name cannot be empty or hold "="');
      }
    }
  }
}

function checkCommand(command: unknown, path: PathSegment[], report: Reporter): void {
  if (typeof command !== 'string' && !Array.isArray(command)) return;
  if (Array.isArray(command) && !command.every((a) => ['string', 'number'].includes(typeof a))) {
    return;
  }
  const parsed = parseCommand(command as string | (string | number)[]);
  if ('error' in parsed) report.problem(path, parsed.error, 'value');
}

const URL_KINDS: Readonly<Record<string, { protocols: string[]; example: string }>> = {
  http: { protocols: ['http:', 'https:'], example: 'http://127.0.0.1:8080/healthz' },
  pocketbase: { protocols: ['http:', 'https:'], example: 'http://127.0.0.1:8090' },
  redis: { protocols: ['redis:', 'rediss:'], example: 'redis://127.0.0.1:6379' },
};

/** Reports the problems of one probe (exactly one kind, well-formed target) at `path`. */
export function checkProbe(
  probe: Record<string, unknown>,
  path: PathSegment[],
  report: Reporter,
): void {
  const kinds = PROBE_KINDS.filter((k) => probe[k] !== undefined);
  if (kinds.length === 0) {
    report.problem(path, `a probe needs one of ${PROBE_KINDS.join(', ')}`);
  } else if (kinds.length > 1) {
    report.problem(path, `a probe has exactly one kind, found ${kinds.join(' and ')}`);
  }
  if (probe.expect !== undefined && probe.http === undefined) {
    report.problem([...path, 'expect'], 'expect applies to http probes only');
  }
  for (const kind of kinds) {
    const target = probe[kind];
    const where = [...path, kind];
    if (kind === 'exec') {
      checkCommand(target, where, report);
    } else if (typeof target !== 'string') {
      continue;
    } else if (kind === 'tcp') {
      const parsed = parseHostPort(target);
      if ('error' in parsed) report.problem(where, parsed.error, 'value');
    } else {
      const spec = URL_KINDS[kind];
      if (spec && !isUrl(target, spec.protocols)) {
        report.problem(where, `expected a URL like ${spec.example}`, 'value');
      }
    }
  }
}
