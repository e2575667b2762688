import { afterEach, describe, expect, it } from 'vitest';
import { runProbe } from '../../../src/probes/index.js';
import { probeConfig } from '../../fixtures/probes/config.js';

const seen: unknown[] = [];
const onUnhandled = (reason: unknown): void => void seen.push(reason);

afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

describe('runProbe', () => {
  it('times out while the check module still loads without an unhandled rejection', async () => {
    process.on('unhandledRejection', onUnhandled);
    // 1 ms is shorter than the first import of the exec check: the deadline passes mid-load.
    const outcome = await runProbe(
      probeConfig({ kind: 'exec', argv: ['true'], timeoutMs: 1 }),
      process,
    );
    expect(outcome).toMatchObject({ ok: false, error: 'timed out after 1 ms' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([]);
  });
});
