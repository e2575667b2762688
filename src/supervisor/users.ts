// Resolves `user` and `group` names (or numeric ids) to uid/gid from /etc/passwd and /etc/group,
// as a program's spawn needs them. No native calls, works the same on Alpine and Debian.
import { ACCOUNT_FILES, findAccount } from '../config/accounts.js';

export interface Identity {
  uid?: number;
  gid?: number;
  /** HOME, USER and LOGNAME for the user, when one is given. */
  env: Record<string, string>;
}

/** Resolves user/group; throws an Error with a readable message when one is unknown. */
export function resolveIdentity(user?: string, group?: string): Identity {
  const id: Identity = { env: {} };
  if (user !== undefined) {
    const pw = findAccount(ACCOUNT_FILES.passwd, user);
    if (!pw) {
      if (!/^\d+$/.test(user)) throw new Error(`unknown user "${user}"`);
      id.uid = Number(user);
    } else {
      id.uid = Number(pw[2]);
      id.gid = Number(pw[3]);
      id.env = { USER: pw[0] ?? user, LOGNAME: pw[0] ?? user, HOME: pw[5] || '/' };
    }
  }
  if (group !== undefined) {
    const gr = findAccount(ACCOUNT_FILES.group, group);
    if (!gr) {
      if (!/^\d+$/.test(group)) throw new Error(`unknown group "${group}"`);
      id.gid = Number(group);
    } else {
      id.gid = Number(gr[2]);
    }
  }
  return id;
}
