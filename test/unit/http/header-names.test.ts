// Header names matched in any case without lower-casing them (http/wire/header-names.ts): the
// same answers as lower-casing and looking up, on every name llhttp can hand over (Latin-1).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeaderNames, isName } from '../../../src/http/wire/header-names.js';

const NAMES = ['host', 'content-length', 'transfer-encoding', 'x-forwarded-for', 'vary', 'te'];

describe('isName', () => {
  it('matches a name in any case', () => {
    for (const name of ['content-length', 'Content-Length', 'CONTENT-LENGTH', 'cOnTeNt-LeNgTh']) {
      expect(isName(name, 'content-length')).toBe(true);
    }
  });

  it('folds ASCII letters alone', () => {
    // A fold by bit 0x20 alone would take CR for '-'; Latin-1 capitals never fold to ASCII.
    expect(isName('content\rlength', 'content-length')).toBe(false);
    expect(isName('content-lengt\u00c8', 'content-lengt\u00e8')).toBe(false);
    expect(isName('content_length', 'content-length')).toBe(false);
    expect(isName('content-length ', 'content-length')).toBe(false);
  });
});

describe('HeaderNames', () => {
  const table = new HeaderNames(NAMES.map((n, i) => [n, i] as const));
  const lowered = new Map(NAMES.map((n, i) => [n, i]));

  it('finds each name in any case, and nothing else', () => {
    expect(table.get('Host')).toBe(0);
    expect(table.get('TRANSFER-ENCODING')).toBe(2);
    expect(table.get('Vary')).toBe(4);
    expect(table.get('Date')).toBeUndefined();
    expect(table.get('')).toBeUndefined();
    expect(table.get('x-forwarded-for-x')).toBeUndefined();
  });

  it('answers as toLowerCase and a Map lookup do, for any Latin-1 name', () => {
    const known = fc
      .constantFrom(...NAMES)
      .chain((n) =>
        fc
          .array(fc.boolean(), { minLength: n.length, maxLength: n.length })
          .map((up) => [...n].map((c, i) => (up[i] ? c.toUpperCase() : c)).join('')),
      );
    const latin1 = fc.string({
      unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
      maxLength: 20,
    });
    fc.assert(
      fc.property(fc.oneof(known, latin1), (name) => {
        expect(table.get(name)).toBe(lowered.get(name.toLowerCase()));
      }),
      { seed: 20261206, numRuns: 3000 },
    );
  });

  it('refuses a name given twice', () => {
    expect(
      () =>
        new HeaderNames([
          ['Host', 1],
          ['host', 2],
        ]),
    ).toThrow(/named twice/);
  });
});
