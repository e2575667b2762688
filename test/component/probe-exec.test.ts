import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lastLine } from '../../src/probes/exec.js';
import { runProbe } from '../../src/probes/index.js';
import { probeConfig } from '../fixtures/probes/config.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

/** Whether `pid` is still a live (not zombie) process. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Pids of live processes whose argv is exactly `argv`. */
function pidsWithArgv(argv: string[]): number[] {
  const wanted = argv.join('\0') + '\0';
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8') === wanted;
      } catch {
        return false;
      }
    })
    .map(Number)
    .filter(alive);
}

const exec = (argv: string[], timeoutMs = 2000) =>
  runProbe(probeConfig({ kind: 'exec', argv, timeoutMs }), process);

describe('exec probe', () => {
  const dirs: { cleanup: () => void }[] = [];
  const leftovers: number[] = [];
  afterEach(() => {
    for (const pid of leftovers.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    for (const dir of dirs.splice(0)) dir.cleanup();
  });

  it('passes when the command exits 0', async () => {
    expect(await exec(['true'])).toMatchObject({ ok: true });
  });

  it('fails with the exit code when it exits non-zero', async () => {
    expect(await exec(['false'])).toMatchObject({ ok: false, error: 'exit code 1' });
  });

  it('reports the last stderr line, trimmed', async () => {
    const outcome = await exec(['sh', '-c', 'echo first >&2; echo "  boom  " >&2; exit 3']);
    expect(outcome).toMatchObject({ ok: false, error: 'exit code 3: boom' });
  });

  it('falls back to the last stdout line when stderr is empty', async () => {
    const outcome = await exec(['sh', '-c', 'echo not ready; exit 2']);
    expect(outcome.error).toBe('exit code 2: not ready');
  });

  it('fails readably when the command does not exist', async () => {
    const outcome = await exec(['apposd-no-such-command']);
    expect(outcome).toMatchObject({ ok: false, error: 'spawn apposd-no-such-command ENOENT' });
  });

  it('times out fast and kills the command', async () => {
    const argv = ['sleep', `5.${process.pid}`];
    const outcome = await exec(argv, 200);
    expect(outcome).toMatchObject({ ok: false, error: 'timed out after 200 ms' });
    expect(outcome.latencyMs).toBeLessThan(1500);
    await waitFor(() => pidsWithArgv(argv).length === 0, {
      timeoutMs: 2000,
      what: 'the sleep to be gone',
    });
  });

  it('on timeout kills the whole process group, grandchildren included', async () => {
    const dir = tempDir('apposd-probe-exec-');
    dirs.push(dir);
    const pidFile = join(dir.path, 'pid');
    const outcome = await exec(['sh', '-c', `sleep 5 & echo $! > ${pidFile}; wait`], 300);
    expect(outcome.error).toBe('timed out after 300 ms');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    leftovers.push(pid);
    await waitFor(() => !alive(pid), { timeoutMs: 2000, what: 'the grandchild sleep to be gone' });
  });

  it('passes without waiting for a backgrounded grandchild, and stops it', async () => {
    const dir = tempDir('apposd-probe-exec-');
    dirs.push(dir);
    const pidFile = join(dir.path, 'pid');
    const outcome = await exec(['sh', '-c', `sleep 5 & echo $! > ${pidFile}; exit 0`]);
    expect(outcome.ok).toBe(true);
    expect(outcome.latencyMs).toBeLessThan(1500);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    leftovers.push(pid);
    await waitFor(() => !alive(pid), { timeoutMs: 2000, what: 'the background sleep to be gone' });
  });

  it('keeps only a bounded last line', () => {
    expect(lastLine('a\n  b  \n\n')).toBe('b');
    expect(lastLine('x'.repeat(1000))).toHaveLength(200);
    expect(lastLine('')).toBe('');
  });
});
