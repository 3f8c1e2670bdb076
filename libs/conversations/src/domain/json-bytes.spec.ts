import fc from 'fast-check';
import { jsonBytes, jsonStringBytes } from './json-bytes';

const utf8JsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** Any UTF-16 code unit, lone surrogates and control characters included. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));

describe('the JSON size of a value, counted without writing it', () => {
  it('is the UTF-8 length of JSON.stringify for strings of any characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: anyCodeUnit, maxLength: 64 }), (text) => {
        expect(jsonStringBytes(text)).toBe(utf8JsonBytes(text));
      }),
      { numRuns: 2_000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (text) => {
        expect(jsonStringBytes(text)).toBe(utf8JsonBytes(text));
      }),
    );
  });

  it('is the UTF-8 length of JSON.stringify for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(jsonBytes(value)).toBe(utf8JsonBytes(value));
      }),
      { numRuns: 1_000 },
    );
  });

  it('counts what a message holds at its worst: control characters, escapes, pairs, lone surrogates', () => {
    for (const text of ['\u0001'.repeat(20_000), 'é'.repeat(19_999), '"\\\b\t\n\f\r\u000b', '😀\ud800x\udc00', '']) {
      expect(jsonStringBytes(text)).toBe(utf8JsonBytes(text));
    }
    const message = { id: 'm1', author: { type: 'customer', id: 'c' }, body: '\u0001'.repeat(20_000), at: 'now' };
    expect(jsonBytes(message)).toBe(utf8JsonBytes(message));
    const leftOut = { a: undefined, b: [undefined, () => 1, NaN, -0, 1e21], c: new Date(0), d: null };
    expect(jsonBytes(leftOut)).toBe(utf8JsonBytes(leftOut));
  });
});
