// The output relay when stdout backs up only after a source paused for its log file: the file
// drains, stdout's stall timer must start then, and the source must go on (lines for stdout
// dropped and counted) instead of waiting for a stdout reader that may never come.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutputRelay } from '../../src/log/output-relay.js';
import { pinoLogger } from '../../src/log/pino.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

/** A logger destination nobody reads: it says when it is backed up, and never drains. */
class StuckStdout extends EventEmitter {
  writableNeedDrain = false;
  write(): boolean {
    return !this.writableNeedDrain;
  }
}

describe('OutputRelay with stdout backed up after a file pause', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir('apposd-relay-stall-');
  });
  afterEach(() => tmp.cleanup());

  it('starts the stall timer once the file drains, and the source goes on', async () => {
    const stdout = new StuckStdout();
    const logger = pinoLogger({ level: 'info', base: null }, stdout);
    const relay = new OutputRelay({
      logger,
      dir: tmp.path,
      maxBytes: 0,
      backups: 0,
      stdoutStallMs: 50,
    });
    const source = new PassThrough();
    // stdout turns backed up just after the source paused for its file (as the destination
    // reports a backlog at the end of the loop turn), before that file drains.
    source.once('pause', () => queueMicrotask(() => (stdout.writableNeedDrain = true)));
    relay.attach('p', 'stdout', source);
    const lines = 100_000;
    const chunk = Array.from({ length: lines }, (_, i) => `line ${i} ${'x'.repeat(60)}\n`).join('');
    source.write(chunk);
    await waitFor(() => source.isPaused() && stdout.writableNeedDrain, {
      timeoutMs: 5_000,
      what: 'the source paused for its file, then stdout backed up',
    });
    source.end('the end\n');
    await waitFor(() => readFileSync(join(tmp.path, 'p.log'), 'utf8').includes('the end'), {
      timeoutMs: 10_000,
      what: 'the source to go on once the file drained and stdout stalled',
    });
    expect(readFileSync(join(tmp.path, 'p.log'), 'utf8').split('\n')).toHaveLength(lines + 2);
    await relay.closeAll(1_000);
  });
});
