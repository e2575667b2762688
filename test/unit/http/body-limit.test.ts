import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyLimiter } from '../../../src/http/proxy/body-limit.js';

async function drain(
  limit: number,
  parts: number[],
): Promise<{ passed: number; exceeded: number }> {
  let exceeded = 0;
  let passed = 0;
  const limiter = new BodyLimiter(limit, () => exceeded++);
  limiter.on('data', (c: Buffer) => (passed += c.length));
  await new Promise<void>((resolve) => {
    limiter.on('end', resolve);
    Readable.from(parts.map((n) => Buffer.alloc(n))).pipe(limiter);
  });
  return { passed, exceeded };
}

describe('BodyLimiter', () => {
  it('passes bodies up to the limit', async () => {
    expect(await drain(100, [40, 60])).toEqual({ passed: 100, exceeded: 0 });
  });

  it('stops at the first byte over the limit and reports once', async () => {
    expect(await drain(100, [40, 61, 50])).toEqual({ passed: 40, exceeded: 1 });
  });
});
