// Which programs a control request means: `all` expanded in start order, named ones put in
// start order, unknown names refused with a did-you-mean (edit distance).
import { nearest } from '../config/suggest.js';
import { ApiError } from './api-error.js';
import { API_ERRORS } from '../errors.js';
import { ALL, type UnknownName } from './protocol.js';

/** The known name closest to `name`, when it is close enough to be a likely typo. */
export function suggest(name: string, known: readonly string[]): string | null {
  const best = nearest(name, known);
  return best && best.distance <= Math.max(2, Math.floor(name.length / 3)) ? best.name : null;
}

/** Throws a 404 naming every unknown name (with suggestions) unless all are known. */
export function assertKnown(names: readonly string[], known: readonly string[]): void {
  const unknown: UnknownName[] = names
    .filter((n) => !known.includes(n))
    .map((n) => ({ name: n, suggestion: suggest(n, known) }));
  if (unknown.length === 0) return;
  const message = unknown
    .map(
      (u) => `no such program: ${u.name}${u.suggestion ? ` (did you mean ${u.suggestion}?)` : ''}`,
    )
    .join('; ');
  throw new ApiError(404, API_ERRORS.UNKNOWN_PROGRAM, message, unknown);
}

/**
 * The programs `names` selects, in start order (`order` is every program in start order):
 * `all` means every program; duplicates are dropped; unknown names throw.
 */
export function selectPrograms(names: readonly string[], order: readonly string[]): string[] {
  if (names.includes(ALL)) return [...order];
  assertKnown(names, order);
  return order.filter((n) => names.includes(n));
}
