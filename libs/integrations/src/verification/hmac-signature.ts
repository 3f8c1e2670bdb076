/**
 * The signature both Shopify and WooCommerce put on a webhook: base64 of HMAC-SHA256 over the raw body
 * bytes, keyed with the shared secret. Checked on the bytes as received, before anything parses them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const SHA256_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]{43}=$/;

export function hmacSha256Base64(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/** Whether `signature` could be an HMAC-SHA256 at all (base64 of 32 bytes): one that cannot matches no body. */
export function isWellFormedSignature(signature: string | undefined): signature is string {
  return signature !== undefined && BASE64.test(signature.trim());
}

/** True where `signature` is the body's HMAC under one of `secrets` (a rotation accepts two). */
export function signatureMatches(body: Buffer, signature: string | undefined, secrets: readonly string[]): boolean {
  if (!isWellFormedSignature(signature)) return false;
  const received = Buffer.from(signature.trim(), 'base64');
  // The length is checked before the constant-time comparison, which needs equal lengths.
  if (received.length !== SHA256_BYTES) return false;
  let matched = false;
  for (const secret of secrets) {
    // Every secret is tried, matched or not: the time taken does not tell which one matched.
    if (timingSafeEqual(received, createHmac('sha256', secret).update(body).digest())) matched = true;
  }
  return matched;
}
