/**
 * Bearer tokens: `ti_<tokenId>_<secret>`, 256 random bits of secret. Only a SHA-256 hash is kept (the
 * secret's entropy makes a slow hash unnecessary); the token id finds the record, and the hash is compared
 * in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN_PATTERN = /^ti_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$/;

export interface IssuedToken {
  token: string;
  tokenId: string;
  tokenHash: string;
}

export function issueToken(): IssuedToken {
  const tokenId = randomBytes(8).toString('hex');
  const token = `ti_${tokenId}_${randomBytes(32).toString('base64url')}`;
  return { token, tokenId, tokenHash: hashToken(token) };
}

/** The token id of a well-formed token; undefined for anything else. */
export function tokenIdOf(token: string): string | undefined {
  return TOKEN_PATTERN.exec(token)?.[1];
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Constant time in the token's content: the token is hashed (`hashToken`) to the same length as the hash
 * kept, once, then compared with each candidate.
 */
export function hashesMatch(actualHash: string, expectedHash: string): boolean {
  const actual = Buffer.from(actualHash, 'hex');
  const expected = Buffer.from(expectedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
