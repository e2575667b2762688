import { describe, expect, it } from 'vitest';
import { runProbe } from '../../../src/probes/index.js';
import { describeError, stripUserinfo, targetSecrets } from '../../../src/probes/redact.js';
import { probeConfig } from '../../fixtures/probes/config.js';

describe('probe error redaction', () => {
  it('strips userinfo from URLs in messages', () => {
    expect(stripUserinfo('GET http://u:p@h:1/x failed; redis://:pw@127.0.0.1:6379/0')).toBe(
      'GET http://h:1/x failed; redis://127.0.0.1:6379/0',
    );
  });

  it('masks the target password, raw and decoded', () => {
    const secrets = targetSecrets('redis://:p%40ss%20word@127.0.0.1:6379/0');
    expect(secrets).toEqual(['p%40ss%20word', 'p@ss word']);
    expect(describeError(new Error('bad p@ss word and p%40ss%20word'), secrets)).toBe(
      'bad *** and ***',
    );
    expect(targetSecrets('127.0.0.1:6379')).toEqual([]);
    expect(targetSecrets('http://127.0.0.1/')).toEqual([]);
  });

  it('makes one bounded line of any thrown value', () => {
    expect(describeError(new Error('a\n  b\tc'))).toBe('a b c');
    expect(describeError('plain')).toBe('plain');
    expect(describeError(new Error(''))).toBe('Error');
    expect(describeError(new Error('x'.repeat(1000)))).toHaveLength(300);
  });

  it('runProbe reports a bad target without its secrets and never rejects', async () => {
    const outcome = await runProbe(
      probeConfig({ kind: 'http', target: 'gopher://admin:hunter2@example.invalid/' }),
      process,
    );
    expect(outcome).toMatchObject({ ok: false });
    expect(outcome.error).not.toContain('hunter2');
    expect(
      await runProbe(probeConfig({ kind: 'http', target: 'not a url' }), process),
    ).toMatchObject({
      ok: false,
      error: 'Invalid URL',
    });
    expect(await runProbe(probeConfig({ kind: 'exec', argv: [] }), process)).toMatchObject({
      ok: false,
      error: 'exec probe has an empty argv',
    });
  });
});
