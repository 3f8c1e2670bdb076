/**
 * Shops send ids as bare JSON numbers, and Shopify's exceed 2^53: `JSON.parse` would round
 * 820982911946154508 to 820982911946154500, another order. This parse turns every integer literal that a
 * double cannot hold exactly into a string, before `JSON.parse` sees it; everything else parses as usual.
 */
export function parseJsonKeepingLargeIntegers(text: string): unknown {
  let rewritten = '';
  let copiedUpTo = 0;
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    if (char === '"') {
      index = endOfString(text, index);
      continue;
    }
    if (char === '-' || (char >= '0' && char <= '9')) {
      let end = char === '-' ? index + 1 : index;
      while (end < text.length && text[end] >= '0' && text[end] <= '9') end++;
      const integer = text[end] !== '.' && text[end] !== 'e' && text[end] !== 'E';
      const literal = text.slice(index, end);
      if (integer && literal !== '-' && !Number.isSafeInteger(Number(literal))) {
        rewritten += `${text.slice(copiedUpTo, index)}"${literal}"`;
        copiedUpTo = end;
      }
      while (end < text.length && /[0-9eE.+-]/.test(text[end])) end++;
      index = end;
      continue;
    }
    index++;
  }
  return JSON.parse(rewritten + text.slice(copiedUpTo));
}

/** The index just past the string literal that opens at `start`. */
function endOfString(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
  return index + 1;
}

/** An id as a string, whether it came as a JSON number or a string; undefined where it is neither. */
export function idText(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/** A verified webhook's body as JSON (large integers kept), or undefined where it is not JSON. */
export function parseWebhookBody(body: Buffer): unknown {
  try {
    return parseJsonKeepingLargeIntegers(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
