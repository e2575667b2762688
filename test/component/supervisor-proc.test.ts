import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseStat, programTree, readProc } from '../../src/supervisor/proc.js';
import { describeExit, isExpectedExit } from '../../src/supervisor/exit-status.js';
import { resolveIdentity } from '../../src/supervisor/users.js';
import { waitFor } from '../helpers/wait-for.js';

describe('/proc reading', () => {
  it('parses stat lines whose command holds spaces and parentheses', () => {
    expect(parseStat('42 (a (b) c) S 1 42 42 0 -1')).toEqual({
      pid: 42,
      state: 'S',
      ppid: 1,
      pgid: 42,
      sid: 42,
    });
    expect(parseStat('garbage')).toBeNull();
  });

  it('reads this process', () => {
    expect(readProc(process.pid)?.ppid).toBe(process.ppid);
  });

  it('finds a detached child and its grandchildren as one tree', async () => {
    const child = spawn('sh', ['-c', 'sleep 30 & sleep 30 & wait'], {
      detached: true,
      stdio: 'ignore',
    });
    const pid = child.pid as number;
    try {
      const tree = await waitFor(() => {
        const t = programTree(pid, 'no-such-program', process.pid);
        return t.length >= 3 ? t : null;
      });
      expect(tree).toContain(pid);
    } finally {
      process.kill(-pid, 'SIGKILL');
    }
  });
});

describe('exit status', () => {
  it('describes codes and signals', () => {
    expect(describeExit({ code: 3, signal: null })).toBe('exit status 3');
    expect(describeExit({ code: null, signal: 'SIGKILL' })).toBe('killed by SIGKILL');
    expect(isExpectedExit({ code: 0, signal: null }, [0])).toBe(true);
    expect(isExpectedExit({ code: 2, signal: null }, [0])).toBe(false);
    expect(isExpectedExit({ code: null, signal: 'SIGTERM' }, [0])).toBe(false);
  });
});

describe('users', () => {
  it('resolves names and ids from /etc/passwd and /etc/group', () => {
    const root = resolveIdentity('root');
    expect(root.uid).toBe(0);
    expect(root.env.HOME).toBe('/root');
    expect(resolveIdentity('nobody', 'nogroup').gid).toBe(65534);
    expect(resolveIdentity('12345').uid).toBe(12345);
    expect(() => resolveIdentity('no-such-user-x')).toThrow(/unknown user "no-such-user-x"/);
    expect(() => resolveIdentity(undefined, 'no-such-group-x')).toThrow(/unknown group/);
  });
});
