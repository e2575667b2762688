// The error catalog and exit codes from CONTRACT.md.
import { expect, test } from 'vitest';
import { API_ERRORS, AppError, ERRORS, EXIT, UsageError, isAppError } from '../../../src/errors.js';

test('exit codes are exactly those of CONTRACT.md', () => {
  expect(EXIT).toEqual({
    OK: 0,
    CRITICAL: 1,
    FAILED: 1,
    USAGE: 2,
    STATUS_NOT_RUNNING: 3,
    CONFIG: 78,
  });
});

test('every code the control API answers with is in the catalogue', () => {
  for (const code of Object.values(API_ERRORS)) {
    expect(ERRORS[code].exit).toBe(
      code === 'APPOS_ERR_UNKNOWN_PROGRAM' ? EXIT.CRITICAL : EXIT.FAILED,
    );
  }
  expect(new UsageError('bad', 'tail').verb).toBe('tail');
});

test('codes are stable APPOS_ERR_* names', () => {
  for (const code of Object.keys(ERRORS)) expect(code).toMatch(/^APPOS_ERR_[A-Z_]+$/);
  expect(ERRORS.APPOS_ERR_CONFIG.exit).toBe(78);
});

test('AppError carries its code and exit code', () => {
  const err = new AppError('APPOS_ERR_SPAWN', 'spawn failed: ENOENT');
  expect(err).toBeInstanceOf(Error);
  expect(err.code).toBe('APPOS_ERR_SPAWN');
  expect(err.exitCode).toBe(EXIT.CRITICAL);
  expect(isAppError(err)).toBe(true);
  expect(isAppError(new Error('x'))).toBe(false);
  const usage = new UsageError('unknown flag --nope');
  expect(usage.exitCode).toBe(EXIT.USAGE);
  expect(new AppError('APPOS_ERR_LISTEN').message).toBe(ERRORS.APPOS_ERR_LISTEN.summary);
});
