// The error catalog: stable APPOS_ERR_* codes (like fastify's FST_ERR_*), the base AppError
// every module throws, and the process exit codes from CONTRACT.md.

/** Exit codes of apposd and appos-ctl, exactly as CONTRACT.md lists them. */
export const EXIT = {
  OK: 0,
  /** apposd: a critical program went FATAL. */
  CRITICAL: 1,
  /** appos-ctl: the daemon refused or the action failed. */
  FAILED: 1,
  USAGE: 2,
  STATUS_NOT_RUNNING: 3,
  CONFIG: 78,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * Every stable error code with a one-line summary and the exit code apposd uses when the
 * error ends the process. Add codes here; never rename or remove one (scripts match them).
 */
export const ERRORS = {
  APPOS_ERR_CONFIG: { summary: 'invalid config', exit: EXIT.CONFIG },
  APPOS_ERR_USAGE: { summary: 'usage error', exit: EXIT.USAGE },
  APPOS_ERR_SOCKET_IN_USE: {
    summary: 'the control socket is in use (is apposd already running?)',
    exit: EXIT.CRITICAL,
  },
  APPOS_ERR_NOT_RUNNING: { summary: 'apposd is not running', exit: EXIT.USAGE },
  APPOS_ERR_SPAWN: { summary: 'a program could not be spawned', exit: EXIT.CRITICAL },
  APPOS_ERR_UNKNOWN_PROGRAM: { summary: 'no such program', exit: EXIT.CRITICAL },
  APPOS_ERR_CRITICAL_FATAL: { summary: 'a critical program went FATAL', exit: EXIT.CRITICAL },
  APPOS_ERR_LISTEN: { summary: 'the public listener could not bind', exit: EXIT.CRITICAL },
  // The control API's answers (appos-ctl exits 1 on each).
  APPOS_ERR_BAD_REQUEST: { summary: 'malformed control request', exit: EXIT.FAILED },
  APPOS_ERR_NOT_FOUND: { summary: 'no such control route', exit: EXIT.FAILED },
  APPOS_ERR_STOPPING: { summary: 'apposd is shutting down', exit: EXIT.FAILED },
  APPOS_ERR_INTERNAL: { summary: 'internal error', exit: EXIT.FAILED },
  APPOS_ERR_BACKUP: { summary: 'a backup or restore failed', exit: EXIT.FAILED },
} as const satisfies Record<string, { summary: string; exit: ExitCode }>;

export type ErrorCode = keyof typeof ERRORS;

/** The codes the control API answers with, by short name. */
export const API_ERRORS = {
  BAD_REQUEST: 'APPOS_ERR_BAD_REQUEST',
  NOT_FOUND: 'APPOS_ERR_NOT_FOUND',
  UNKNOWN_PROGRAM: 'APPOS_ERR_UNKNOWN_PROGRAM',
  STOPPING: 'APPOS_ERR_STOPPING',
  INTERNAL: 'APPOS_ERR_INTERNAL',
} as const satisfies Record<string, ErrorCode>;

/** Base class of apposd's own errors: a stable `code` and the exit code it maps to. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ERRORS[code].summary, options);
    this.name = 'AppError';
    this.code = code;
    this.exitCode = ERRORS[code].exit;
  }
}

/** A bad command line: unknown flag, missing argument. Exit 2. */
export class UsageError extends AppError {
  constructor(
    message: string,
    /** The appos-ctl verb whose help the message points to. */
    readonly verb?: string,
  ) {
    super('APPOS_ERR_USAGE', message);
    this.name = 'UsageError';
  }
}

/** Whether `err` is one of ours (carries a stable code and exit code). */
export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
