// Validation of the control API's inputs (query strings and JSON bodies) into typed values;
// anything malformed becomes a 400 with a message saying which field is wrong.
import { constants } from 'node:os';
import { badRequest } from './api-error.js';
import type { StreamName } from './protocol.js';

/** The most lines a tail may ask for. */
const MAX_LINES = 100_000;
/** The longest per-program wait an action may ask for (1 hour). */
const MAX_TIMEOUT_MS = 3_600_000;

/** A query value that may repeat (`?name=a&name=b`) as a list of strings. */
export function stringList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (!list.every((v): v is string => typeof v === 'string' && v.length > 0)) {
    throw badRequest(`${field} must be a non-empty string`);
  }
  return list as string[];
}

/** A single optional string query value. */
export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    throw badRequest(`${field} must be given once, as a non-empty string`);
  }
  return value;
}

/** An integer query value within [min, max], or `fallback` when absent. */
export function integer(
  value: unknown,
  field: string,
  fallback: number,
  min = 0,
  max = MAX_LINES,
): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw badRequest(`${field} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** `stdout`, `stderr` or absent. */
export function streamName(value: unknown): StreamName | undefined {
  const s = optionalString(value, 'stream');
  if (s === undefined || s === 'stdout' || s === 'stderr') return s;
  throw badRequest('stream must be stdout or stderr');
}

function object(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('the body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function names(value: unknown): string[] {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((n) => typeof n === 'string' && n.length > 0)
  ) {
    throw badRequest('names must be a non-empty list of program names (or ["all"])');
  }
  return value as string[];
}

/** The body of start/stop/restart. */
export function actionBody(body: unknown): { names: string[]; timeoutMs?: number } {
  const o = object(body);
  const out: { names: string[]; timeoutMs?: number } = { names: names(o.names) };
  if (o.timeout_ms !== undefined) {
    const t = o.timeout_ms;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > MAX_TIMEOUT_MS) {
      throw badRequest(`timeout_ms must be an integer from 1 to ${MAX_TIMEOUT_MS}`);
    }
    out.timeoutMs = t;
  }
  return out;
}

/** `HUP`, `SIGHUP`, `hup` or `1` as a signal name Node knows (`SIGHUP`). */
export function signalName(value: string): NodeJS.Signals {
  const known = constants.signals as Record<string, number>;
  if (/^\d+$/.test(value)) {
    const found = Object.keys(known).find((k) => known[k] === Number(value));
    if (found) return found as NodeJS.Signals;
  } else {
    const upper = value.toUpperCase();
    const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
    if (Object.hasOwn(known, name)) return name as NodeJS.Signals;
  }
  throw badRequest(`unknown signal: ${value}`);
}

/** The body of signal. */
export function signalBody(body: unknown): { signal: NodeJS.Signals; names: string[] } {
  const o = object(body);
  if (typeof o.signal !== 'string' || o.signal.length === 0) {
    throw badRequest('signal must be a signal name such as HUP or SIGUSR1');
  }
  return { signal: signalName(o.signal), names: names(o.names) };
}
