// apposd's own logger: format choice, fields, redaction, level, and flush reaching the fd.
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogConfig } from '../../src/config/types.js';
import { createLogger } from '../../src/log/logger.js';
import { tempOutput } from '../helpers/temp.js';

const base: LogConfig = { level: 'info', maxBytes: 0, backups: 0 };

describe('createLogger', () => {
  let output: ReturnType<typeof tempOutput>;
  let file: string;
  let fd: number;
  beforeEach(() => {
    output = tempOutput('apposd-logger-');
    ({ file, fd } = output);
  });
  afterEach(() => output.cleanup());

  const records = (): Record<string, unknown>[] =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('writes json on a non-TTY with level labels, time and no pid or hostname', async () => {
    const { logger, flush } = createLogger(base, { fd, isTTY: false });
    logger.info({ program: 'redis' }, 'started');
    await flush();
    const [record] = records();
    expect(record).toMatchObject({ level: 'info', program: 'redis', msg: 'started' });
    expect(typeof record!.time).toBe('number');
    expect(record).not.toHaveProperty('pid');
    expect(record).not.toHaveProperty('hostname');
  });

  it('honours the level', async () => {
    const { logger, flush } = createLogger({ ...base, level: 'warn' }, { fd, isTTY: false });
    logger.info('hidden');
    logger.warn('shown');
    await flush();
    expect(records().map((r) => r.msg)).toEqual(['shown']);
  });

  it('redacts common secret paths', async () => {
    const { logger, flush } = createLogger(base, { fd, isTTY: false });
    logger.info(
      {
        env: { PASSWORD: 'hunter2' },
        program: { env: { KEY: 'k' }, token: 't0k', name: 'redis' },
        password: 'p',
        secret: 's',
        token: 't',
      },
      'config',
    );
    await flush();
    const text = readFileSync(file, 'utf8');
    for (const secret of ['hunter2', '"k"', 't0k', '"p"', '"s"', '"t"']) {
      expect(text).not.toContain(secret);
    }
    expect(records()[0]).toMatchObject({
      env: '[redacted]',
      program: { env: '[redacted]', token: '[redacted]', name: 'redis' },
    });
  });

  it('writes pretty text on a TTY when no format is set, json when asked', async () => {
    const pretty = createLogger(base, { fd, isTTY: true });
    pretty.logger.child({ program: 'pb', stream: 'stderr' }).info('hello there');
    await pretty.flush();
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/INFO.*pb stderr \| hello there/);
    expect(() => JSON.parse(text)).toThrow();

    const jsonFile = join(output.dir, 'json');
    const jsonFd = openSync(jsonFile, 'w');
    const json = createLogger({ ...base, format: 'json' }, { fd: jsonFd, isTTY: true });
    json.logger.info('as json');
    await json.flush();
    closeSync(jsonFd);
    expect(JSON.parse(readFileSync(jsonFile, 'utf8'))).toMatchObject({ msg: 'as json' });
  });

  it('writes pretty text when asked on a non-TTY', async () => {
    const { logger, flush } = createLogger({ ...base, format: 'pretty' }, { fd, isTTY: false });
    logger.warn({ program: 'redis' }, 'slow start');
    await flush();
    expect(readFileSync(file, 'utf8')).toMatch(/WARN.*redis \| slow start/);
  });

  it('flush() resolves only once every record reached the fd', async () => {
    const { logger, flush } = createLogger(base, { fd, isTTY: false });
    const line = 'x'.repeat(200);
    for (let i = 0; i < 20_000; i += 1) logger.info({ i }, line);
    await flush();
    const all = records();
    expect(all).toHaveLength(20_000);
    expect(all.at(-1)).toMatchObject({ i: 19_999 });
  });

  it('flush() with nothing written resolves at once', async () => {
    const { flush } = createLogger(base, { fd, isTTY: false });
    await flush();
  });
});
