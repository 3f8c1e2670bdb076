/**
 * A search's keyset cursor: the (score, lastActivityAt, id) of the last row of a page, as the client holds
 * it. A score is a float; JSON writes it so that it reads back the same number, so the next page starts
 * exactly after the last row.
 */
import { BadRequestException } from '@nestjs/common';
import type { SearchKey } from './pages/search-pages';

export function encodeSearchCursor(key: SearchKey): string {
  return Buffer.from(JSON.stringify([key.score, key.lastActivityAt, key.id]), 'utf8').toString('base64url');
}

export function decodeSearchCursor(cursor: string): SearchKey {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === 3) {
      const [score, lastActivityAt, id] = decoded as unknown[];
      if (typeof score === 'number' && typeof lastActivityAt === 'string' && typeof id === 'string') {
        return { score, lastActivityAt, id };
      }
    }
  } catch {
    // reported below
  }
  throw new BadRequestException(
    'cursor is not one this server gave out for a search: pass nextCursor from the previous page of the same q',
  );
}
