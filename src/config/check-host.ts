// Host checks of a resolved config: what only the machine that will run it can tell (the
// command is on the program's PATH, the user and group exist, the cwd is a directory). A
// config that fails them would fail at spawn. `apposd check --host-independent` skips them.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { ACCOUNT_FILES, accountExists } from './accounts.js';
import type { Reporter } from './problems.js';
import type { ProgramConfig } from './types.js';

/** PATH when neither the program nor apposd's environment sets one (execvp's default). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/**
 * Where `file` (argv[0]) resolves for a program: a path with a slash relative to `cwd`, else
 * the first executable match along `path`; undefined when nothing runnable is found.
 */
export function findCommand(file: string, path: string, cwd: string): string | undefined {
  if (file.includes('/')) {
    const full = isAbsolute(file) ? file : resolve(cwd, file);
    return isExecutableFile(full) ? full : undefined;
  }
  for (const dir of path.split(delimiter)) {
    const full = resolve(cwd, join(dir === '' ? '.' : dir, file));
    if (isExecutableFile(full)) return full;
  }
  return undefined;
}

/**
 * Reports every program whose command, user, group or cwd this host cannot provide. `env` is
 * apposd's environment: a program's PATH is its own `env.PATH` over apposd's (as at spawn).
 */
export function checkHost(
  programs: readonly ProgramConfig[],
  env: Readonly<Record<string, string | undefined>>,
  report: Reporter,
): void {
  for (const p of programs) {
    const at = (key: string): string[] => ['programs', p.name, key];
    let cwd = '.';
    if (p.cwd !== undefined) {
      if (isDirectory(p.cwd)) cwd = p.cwd;
      else report.problem(at('cwd'), `cwd ${p.cwd} is not a directory on this host`, 'value');
    }
    const file = p.command[0];
    const path = p.env.PATH ?? env.PATH ?? DEFAULT_PATH;
    if (file !== undefined && findCommand(file, path, cwd) === undefined) {
      const where = file.includes('/')
        ? 'is not an executable file'
        : `is not found on PATH (${path})`;
      report.problem(at('command'), `command "${file}" ${where}`, 'value');
    }
    if (p.user !== undefined && !accountExists(ACCOUNT_FILES.passwd, p.user)) {
      report.problem(
        at('user'),
        `unknown user "${p.user}" (not in ${ACCOUNT_FILES.passwd})`,
        'value',
      );
    }
    if (p.group !== undefined && !accountExists(ACCOUNT_FILES.group, p.group)) {
      report.problem(
        at('group'),
        `unknown group "${p.group}" (not in ${ACCOUNT_FILES.group})`,
        'value',
      );
    }
  }
}
