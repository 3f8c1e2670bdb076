import { BadRequestException } from '@nestjs/common';

/** `If-Match: "<revision>"` (API.md) as the expected revision; undefined where the header is absent. */
export function parseIfMatch(header: string | string[] | undefined): bigint | undefined {
  if (header === undefined) return undefined;
  const match = typeof header === 'string' ? /^(?:W\/)?"(0|[1-9][0-9]{0,17})"$/.exec(header.trim()) : null;
  if (!match) {
    throw new BadRequestException(`If-Match must be the conversation's ETag, a quoted revision such as "3"`);
  }
  return BigInt(match[1]);
}
