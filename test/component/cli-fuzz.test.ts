// Fuzzing the two binaries' inputs with fast-check (fixed seeds, bounded runs), as real
// processes: appos-ctl with a bad argv prints one usage line and exits 2 (`health`: 1, Docker's
// rule) before it ever needs a daemon; `apposd check` with a random bad config exits 78 with
// one readable report. Never a stack trace, never a hang.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { CTL, MAIN, NODE } from '../helpers/daemon.js';
import { tempDir } from '../helpers/temp.js';

const tmp = tempDir('apposd-clifuzz-');
afterAll(() => tmp.cleanup());
const NO_SOCKET = join(tmp.path, 'none.sock');

function run(file: string, args: string[]) {
  const r = spawnSync(NODE, [file, ...args], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', APPOS_CTL_SOCKET: NO_SOCKET },
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

const VERBS = ['status', 'start', 'stop', 'restart', 'signal', 'tail', 'logs', 'journal'];
const WORDS = [...VERBS, 'reload', 'pid', 'version', 'shutdown', 'health', 'all', 'redis', '-'];
const word = fc.oneof(fc.constantFrom(...WORDS), fc.string({ minLength: 1, maxLength: 6 }));
const option = fc.constantFrom('--json', '-f', '-n', '-n', '5', '--timeout', '0', '--socket');

/** Options that take the next word as their value. */
const TAKES_VALUE = new Set(['-n', '--timeout', '--socket']);
const KNOWN_VERBS = new Set(WORDS.filter((w) => !['all', 'redis', '-'].includes(w)));

/**
 * True when `word` takes the next word as its value: a long option that takes one, or a short
 * group whose first `n` is its last letter (`-n`, `-fn`; in `-n5` and `-nf` the rest is the value).
 */
function takesValue(word: string): boolean {
  if (TAKES_VALUE.has(word)) return true;
  if (!/^-[^-]/.test(word)) return false;
  const group = word.slice(1);
  return group.indexOf('n') === group.length - 1;
}

/**
 * The command appos-ctl goes by: the first word that is no option and no option's value (`-`
 * alone is a word; after `--` every word is), when it is a known verb.
 */
function verbOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') return KNOWN_VERBS.has(argv[i + 1] ?? '') ? argv[i + 1] : undefined;
    if (takesValue(word)) i++;
    else if (!word.startsWith('-') || word === '-') {
      return KNOWN_VERBS.has(word) ? word : undefined;
    }
  }
  return undefined;
}

/** An argv that is wrong for sure: an unknown option, an unknown verb, or a bad value. */
const badArgv = fc
  .tuple(
    fc.array(fc.oneof(word, option), { maxLength: 4 }),
    fc.oneof(
      fc.stringMatching(/^[a-z]{1,6}$/).map((s) => [`--zz${s}`]),
      fc.stringMatching(/^[a-z]{1,8}$/).map((s) => [`x${s}`]),
      fc.constantFrom(['tail', '-n', 'abc', 'redis'], ['logs', '-n', '-3'], ['status', '-q']),
      fc.constantFrom(['restart', '--timeout', 'soon', 'all'], ['start', '--follow', 'x']),
    ),
    fc.array(fc.oneof(word, option), { maxLength: 3 }),
  )
  .map(([before, bad, after]) =>
    // The bad part leads when it is a verb, so that no earlier word is taken as the verb.
    bad[0]?.startsWith('x') ? [...bad, ...before, ...after] : [...before, ...bad, ...after],
  );

describe('appos-ctl argv fuzz (real binary)', () => {
  test('a bad argv is a usage error: one line, exit 2 (health: 1), nothing on stdout', () => {
    fc.assert(
      fc.property(badArgv, (argv) => {
        const r = run(CTL, argv);
        const health = verbOf(argv) === 'health' && !argv.includes('--help');
        expect(r.signal).toBeNull();
        expect(r.code, `${argv.join(' ')}\n${r.stderr}`).toBe(health ? 1 : 2);
        expect(r.stderr).toMatch(/^(appos-ctl: .+|apposd is not running .+)\n$/);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(r.stdout).toBe('');
      }),
      { seed: 2, numRuns: 20 },
    );
  }, 90_000);

  test('any argv ends in a few seconds with 0, 1 or 2 and no stack trace', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(word, option), { maxLength: 5 }), (argv) => {
        const r = run(CTL, argv);
        expect(r.signal, argv.join(' ')).toBeNull();
        expect([0, 1, 2], `${argv.join(' ')}\n${r.stderr}`).toContain(r.code);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }),
      { seed: 3, numRuns: 12 },
    );
  }, 90_000);
});

// Each is wrong for sure: a wrong type leads the random text.
const junk = fc.oneof(
  fc.string({ maxLength: 30 }).map((s) => `shutdown_timeout: 5\n${s}`),
  fc.constantFrom('programs: [', 'programs:\n  a: { comand: [x] }', 'http: { listen: ":99999" }'),
  fc.jsonValue({ maxDepth: 3 }).map((v) => `programs: ${JSON.stringify(v)}\nshutdown_timeout: 5`),
);

describe('apposd check fuzz (real binary)', () => {
  test('a random bad config exits 78 with one readable report', () => {
    fc.assert(
      fc.property(junk, (text) => {
        const file = join(tmp.path, 'bad.yaml');
        writeFileSync(file, text);
        const r = run(MAIN, ['check', '--config', file]);
        expect(r.signal).toBeNull();
        expect(r.code, r.stderr).toBe(78);
        expect(r.stderr).toMatch(/^invalid config .+ \(\d+ problems?\):\n {2}\S/);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }),
      { seed: 78, numRuns: 8 },
    );
  }, 90_000);
});
