// Looks up users and groups (by name or numeric id) in /etc/passwd and /etc/group: shared by
// the host checks of a config and by the spawner. No native calls, the same on Alpine and Debian.
import { readFileSync } from 'node:fs';

/** The account database files; tests may point them elsewhere. */
export const ACCOUNT_FILES = { passwd: '/etc/passwd', group: '/etc/group' } as const;

/**
 * The colon-separated fields of the entry of `name` (or of numeric id `name`) in `file`, or
 * undefined when there is none or the file cannot be read.
 */
export function findAccount(file: string, name: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const numeric = /^\d+$/.test(name);
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3) continue;
    if (f[0] === name || (numeric && f[2] === name)) return f;
  }
  return undefined;
}

/** Whether `name` is a known account of `file`, or a bare numeric id (always usable). */
export function accountExists(file: string, name: string): boolean {
  return /^\d+$/.test(name) || findAccount(file, name) !== undefined;
}
