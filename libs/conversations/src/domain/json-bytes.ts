/**
 * How many bytes `JSON.stringify(value)` takes in UTF-8, counted without building the string: a page's byte
 * budget weighs every entry of a long conversation, and building each entry's JSON to measure it would cost
 * as much again as answering it.
 */

/** For plain JSON data: strings, numbers, booleans, null, arrays and plain objects, as `JSON.stringify` writes them. */
export function jsonBytes(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return jsonStringBytes(value);
    case 'number':
      return Number.isFinite(value) ? String(value).length : 'null'.length;
    case 'boolean':
      return String(value).length;
    case 'object':
      if (value === null) return 'null'.length;
      if (Array.isArray(value)) return arrayBytes(value);
      if (hasToJson(value)) return jsonBytes(value.toJSON());
      return objectBytes(value as Record<string, unknown>);
    default:
      // undefined, a function or a symbol: left out of an object, null in an array (see below).
      return 0;
  }
}

function arrayBytes(items: readonly unknown[]): number {
  let bytes = '[]'.length + Math.max(items.length - 1, 0); // the brackets and the commas
  for (const item of items) bytes += isLeftOut(item) ? 'null'.length : jsonBytes(item);
  return bytes;
}

function objectBytes(fields: Record<string, unknown>): number {
  let bytes = '{}'.length;
  let written = 0;
  for (const key of Object.keys(fields)) {
    const field = fields[key];
    if (isLeftOut(field)) continue;
    bytes += (written++ > 0 ? ','.length : 0) + jsonStringBytes(key) + ':'.length + jsonBytes(field);
  }
  return bytes;
}

function isLeftOut(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function hasToJson(value: object): value is { toJSON: () => unknown } {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

const BACKSPACE = 0x08;
const CARRIAGE_RETURN = 0x0d;
const VERTICAL_TAB = 0x0b;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * A string's JSON in UTF-8: its quotes; `"` and `\` escaped by a backslash; a control character as `\n`
 * (backspace, tab, line feed, form feed, carriage return) or else as `\u00XX`; a lone surrogate as `\uDXXX`
 * (well-formed JSON.stringify); other characters as their UTF-8.
 */
export function jsonStringBytes(text: string): number {
  let bytes = '""'.length + text.length; // a byte for each character, as most are; the rest add to it
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20) {
      const shortEscape = code >= BACKSPACE && code <= CARRIAGE_RETURN && code !== VERTICAL_TAB;
      bytes += shortEscape ? 1 : 5;
    } else if (code < 0x80) {
      if (code === QUOTE || code === BACKSLASH) bytes += 1;
    } else if (code < 0x800) {
      bytes += 1;
    } else if (code < 0xd800 || code > 0xdfff) {
      bytes += 2;
    } else if (code <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 2; // the pair: four bytes for its two characters
      i++;
    } else {
      bytes += 5;
    }
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
