/**
 * fast-check arbitraries for bad input: unusual and huge strings, JSON text with keys JSON.stringify cannot
 * write, bodies that are not JSON, path segments that are not UUIDs, header values that are not what a
 * header takes. Each makes one kind of thing, so that a spec knows by construction whether it could be valid.
 */
import fc from 'fast-check';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Code points, as the server counts a message's characters (a lone surrogate is one). */
export const codePoints = (text: string): number => [...text].length;

/** Strings that break naive handling: NUL, bidi controls, zero-width, ZWJ emoji, lone surrogates, … */
const ODD_STRINGS = [
  '\u0000',
  'a\u0000b',
  '\u202Eevil\u202C',
  '\u200F\u200E',
  'zero\u200Bwidth',
  '👩‍👩‍👧‍👦',
  '🏳️‍🌈',
  'e\u0301\u0301\u0301',
  '\uFEFFbom',
  '\uD800',
  'x\uDFFF',
  '\uDBFF\uDBFF',
  'line\u2028sep\u2029',
  '𝕳𝖊𝖑𝖑𝖔',
  '\u0085next',
  'tab\there\r\nCRLF',
  "'; DROP TABLE events; --",
  '${7*7}{{7*7}}',
  '<script>alert(1)</script>',
  '%00%ff',
  '../../etc/passwd',
  'null',
  '1e309',
  '"\\',
  '\\u0000',
  'ﷺ',
  '\u{10FFFF}',
];

/** Unusual Unicode text, at most `maxLength` code points, at least one. */
export function unusualText(maxLength = 40): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: Math.max(1, Math.floor(maxLength / 8)) }),
    fc.constantFrom(...ODD_STRINGS),
  );
}

/** Characters a huge string repeats: one code point or several (a ZWJ sequence), none of them a variation selector. */
const HUGE_UNITS = ['a', 'é', '字', '😀', '👩‍💻', '\u202E', '\u0000', '\uD800', ' '];

/** A string of exactly `length` code points, made of `unit` repeated. */
function ofCodePoints(unit: string, length: number): string {
  const points = [...unit];
  return Array.from({ length }, (_, index) => points[index % points.length]).join('');
}

/** Strings around a limit of `max` code points: just under, at, just over and far over it. */
export function nearLimit(max: number): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...HUGE_UNITS), fc.constantFrom(-1, 0, 1, 2, 1000))
    .map(([unit, delta]) => ofCodePoints(unit, Math.max(0, max + delta)));
}

/** Keys every object has, `__proto__` among them, and `prototype`: none is a field of any request. */
export const INHERITED_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  'isPrototypeOf',
  '__defineGetter__',
];

/** `objectJson` (an object's JSON text) with `"key": valueJson` written first: how `__proto__` gets into JSON. */
export function withKeyFirst(objectJson: string, key: string, valueJson: string): string {
  const entry = `${JSON.stringify(key)}:${valueJson}`;
  return objectJson === '{}' ? `{${entry}}` : `{${entry},${objectJson.slice(1)}}`;
}

/** What goes under an inherited key: a plain value, or an object that would pollute a prototype. */
export const pollutingValue: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
  fc.constantFrom('{"polluted":true}', '{"prototype":{"polluted":true}}', '{"__proto__":{"admin":true}}', 'null'),
);

/** JSON text nested 20 to 150,000 levels deep (arrays or objects), under 1 MiB, with a label. */
export const deeplyNested: fc.Arbitrary<[string, string]> = fc
  .tuple(fc.integer({ min: 20, max: 150_000 }), fc.constantFrom('[', '{"a":'))
  .map(([depth, open]): [string, string] => [
    `${depth} levels of ${open}`,
    `${open.repeat(depth)}${open === '[' ? '' : '1'}${(open === '[' ? ']' : '}').repeat(depth)}`,
  ]);

/** True where `text` parses as JSON as the server parses it (a leading BOM is skipped). */
function isJsonText(text: string): boolean {
  try {
    JSON.parse(text.replace(/^\uFEFF/, ''));
    return true;
  } catch {
    return false;
  }
}

/** Bodies that are not JSON: `validJson` cut short or with more after it, forms, binary, JSON's near relatives. */
export function notJson(validJson: string): fc.Arbitrary<Buffer> {
  return fc
    .oneof(
      fc.nat({ max: Math.max(0, validJson.length - 1) }).map((cut) => Buffer.from(validJson.slice(0, cut))),
      fc.constantFrom('x', '}', ' {', '{}{}', ',', '\u0000').map((tail) => Buffer.from(validJson + tail)),
      fc
        .constantFrom(
          'name=Grace&email=grace%40example.com',
          "{'body': 'single quotes'}",
          '{"body": "x",}',
          '{body: "unquoted"}',
          '{"body": NaN}',
          '{"body": "x" /* comment */}',
          '<?xml version="1.0"?><body>x</body>',
          '--boundary\r\nContent-Disposition: form-data; name="body"\r\n\r\nx\r\n--boundary--',
          'undefined',
          '"unterminated',
          '\uFEFF\uFEFF{}',
          '{"a":1}\n{"b":2}',
        )
        .map((text) => Buffer.from(text)),
      fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc.constant(Buffer.from(validJson, 'utf16le')),
    )
    .filter((body) => !isJsonText(body.toString('utf8')));
}

/** Percent-encodes every byte of the UTF-8 form but letters, digits, `-`, `_` and `~`. */
function encodeSegment(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9\-_~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/** Path segments (already encoded) that are not UUIDs, nor dot segments that a URL parser would resolve. */
export const notUuidSegment: fc.Arbitrary<string> = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 60 }).map(encodeSegment),
    fc
      .tuple(fc.uuid(), fc.nat({ max: 35 }), fc.constantFrom('', 'g', 'G', '-', '0', '00', 'ü', ' ', '\u0000'))
      .map(([uuid, at, insert]) =>
        encodeSegment(`${uuid.slice(0, at)}${insert}${uuid.slice(at + (insert === '' ? 1 : 0))}`),
      ),
    fc.uuid().map((uuid) => encodeSegment(`{${uuid}}`)),
    fc.uuid().map((uuid) => encodeSegment(`urn:uuid:${uuid}`)),
    fc.uuid().map((uuid) => encodeSegment(` ${uuid}\n`)),
    fc.uuid().map((uuid) => uuid.replace(/-/g, '')),
    fc.constantFrom(
      'null',
      'undefined',
      'me',
      '0',
      '-1',
      '%',
      '%zz',
      '%ED%A0%80',
      '%C0%AF',
      '%00',
      '%2F',
      '..%2F..%2Fetc',
      '%2E%2E%2E',
      '00000000-0000-0000-0000-00000000000',
      '00000000-0000-0000-0000-0000000000000',
      'x'.repeat(150),
      encodeSegment('１２３４５６７８-１２３４-１２３４-１２３４-１２３４５６７８９０１２'),
    ),
  )
  .filter((segment) => !UUID.test(decodeURIComponentSafe(segment)) && !/^(\.|%2e){1,2}$/i.test(segment));

function decodeURIComponentSafe(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Printable ASCII, as fetch sends a header value. */
export const printableAscii = (maxLength: number, minLength = 0): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    minLength,
    maxLength,
  });

/** Latin-1 beyond ASCII (é, ÿ, NBSP): bytes HTTP carries in a header but that are not printable ASCII. */
export const latin1Text = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.integer({ min: 0xa0, max: 0xff }).map((code) => String.fromCharCode(code)),
    minLength: 1,
    maxLength,
  });

/** Control characters HTTP does not carry in a header: only a raw socket sends them. */
export const controlText: fc.Arbitrary<string> = fc
  .tuple(
    printableAscii(10),
    fc.constantFrom('\u0000', '\u0001', '\u0008', '\u000b', '\u001b', '\u007f', '\r'),
    printableAscii(10),
  )
  .map(([before, control, after]) => `${before}${control}${after}`);

/** A header value as the server sees it: HTTP drops the spaces and tabs around it. */
export const headerValueSeen = (value: string): string => value.replace(/^[\t ]+|[\t ]+$/g, '');
