// The control API's error answers: an error with an HTTP status and a stable code, and the
// mapping of anything thrown by a handler to `{ error: { code, message } }`.
import { API_ERRORS, isAppError } from '../errors.js';
import type { ErrorBody, UnknownName } from './protocol.js';

/** An error a control handler answers with: HTTP status, stable code, message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly unknown?: UnknownName[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A 400 for a malformed request. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, API_ERRORS.BAD_REQUEST, message);
}

const APP_ERROR_STATUS: Record<string, number> = {
  APPOS_ERR_CONFIG: 422,
  APPOS_ERR_USAGE: 400,
  APPOS_ERR_UNKNOWN_PROGRAM: 404,
};

/** HTTP status and body for anything a handler threw; `internal` marks a 500 worth logging. */
export function toErrorAnswer(err: unknown): {
  status: number;
  body: ErrorBody;
  internal: boolean;
} {
  if (err instanceof ApiError) {
    const body: ErrorBody = { error: { code: err.code, message: err.message } };
    if (err.unknown) body.error.unknown = err.unknown;
    return { status: err.status, body, internal: false };
  }
  if (isAppError(err)) {
    const status = APP_ERROR_STATUS[err.code] ?? 500;
    return { status, body: { error: { code: err.code, message: err.message } }, internal: false };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, body: { error: { code: API_ERRORS.INTERNAL, message } }, internal: true };
}
