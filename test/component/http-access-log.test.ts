// Access lines through apposd's own logger are serialised by the edge (access-log.ts) and written
// straight to the logger's destination: each must read exactly as pino writes the same fields.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogConfig } from '../../src/config/types.js';
import { type AccessLine, accessLogger } from '../../src/http/access-log.js';
import { createLogger } from '../../src/log/logger.js';
import { tempOutput } from '../helpers/temp.js';

const base: LogConfig = { level: 'info', maxBytes: 0, backups: 0, format: 'json' };

const LINES: AccessLine[] = [
  { method: 'GET', path: '/api/hello', status: 200, ms: 0.3, upstream: 'backend', ip: '127.0.0.1' },
  {
    method: 'POST',
    path: '/pb/x',
    status: 502,
    ms: 12,
    upstream: 'pocketbase',
    ip: '::1',
    aborted: true,
  },
  {
    method: 'GET',
    path: '/terminal',
    status: 101,
    ms: 1500.7,
    upstream: 'backend',
    ip: undefined,
    upgrade: true,
  },
  { method: undefined, path: '/', status: 404, ms: 0, upstream: 'none', ip: '10.0.0.1' },
  // What a JSON string must escape, a lone surrogate, and text beyond ASCII.
  {
    method: 'GET',
    path: '/a"b\\c\u0001\t\u001f\ud800é€/%2e',
    status: 400,
    ms: 0.1,
    upstream: 'x"y',
    ip: 'a\\b',
  },
];

describe('access lines through apposd logger', () => {
  let output: ReturnType<typeof tempOutput>;
  beforeEach(() => (output = tempOutput('apposd-access-')));
  afterEach(() => output.cleanup());

  /** The file's records with their time taken out (it is the only field that may differ). */
  const records = (): string[] =>
    readFileSync(output.file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.replace(/,"time":\d+,/, ',"time":0,'));

  it('writes each line byte for byte as pino writes the same fields', async () => {
    const { logger, flush } = createLogger(base, { fd: output.fd, isTTY: false });
    const access = accessLogger(logger);
    const viaPino = logger.child({}, { redact: [] });
    for (const line of LINES) {
      access(line);
      viaPino.info(line, 'http request');
    }
    await flush();
    const out = records();
    expect(out).toHaveLength(LINES.length * 2);
    for (let i = 0; i < LINES.length; i++) {
      expect(out[2 * i]).toBe(out[2 * i + 1]);
      expect(JSON.parse(out[2 * i]!)).toMatchObject({ level: 'info', msg: 'http request' });
    }
  });

  it("honours the logger's level, also when it changes", async () => {
    const { logger, flush } = createLogger(
      { ...base, level: 'warn' },
      { fd: output.fd, isTTY: false },
    );
    const access = accessLogger(logger);
    access(LINES[0]!);
    logger.level = 'info';
    access(LINES[1]!);
    await flush();
    expect(records().map((r) => (JSON.parse(r) as { status: number }).status)).toEqual([502]);
  });

  it('goes through the logger itself when it is not one createLogger made', () => {
    const seen: [object, string][] = [];
    const access = accessLogger({
      debug: () => {},
      info: (fields, msg) => seen.push([fields, msg]),
      warn: () => {},
      error: () => {},
    });
    access(LINES[0]!);
    expect(seen).toEqual([[LINES[0], 'http request']]);
  });
});
