/**
 * A keyset cursor: the (lastActivityAt, id) of the last row of a page, as the client holds it. The id breaks
 * ties, so paging never repeats a row, nor skips one that did not change meanwhile.
 */
import { BadRequestException } from '@nestjs/common';
import type { PageKey } from './pages/view-pages';

export type { PageKey } from './pages/view-pages';

export function encodeCursor(key: PageKey): string {
  return Buffer.from(JSON.stringify([key.lastActivityAt, key.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): PageKey {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === 2 && decoded.every((part) => typeof part === 'string')) {
      return { lastActivityAt: decoded[0], id: decoded[1] };
    }
  } catch {
    // reported below
  }
  throw new BadRequestException('cursor is not one this server gave out: pass nextCursor from the previous page');
}
