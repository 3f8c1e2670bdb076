/**
 * Signatures as the Standard Webhooks spec has them (https://www.standardwebhooks.com): the secret is
 * `whsec_` + base64 of random bytes; each attempt is signed with HMAC-SHA256 over `<id>.<timestamp>.<body>`,
 * so a receiver that checks the timestamp refuses a captured request replayed later.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;
const SIGNATURE_VERSION = 'v1';

export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error(`A webhook secret starts with ${SECRET_PREFIX}`);
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

function sign(key: Buffer, id: string, timestamp: number, body: string): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

// A type alias, not an interface: it must fit the index-signed header types of fetch and node:http.
export type SignedHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** The headers of one attempt: the id is the delivery's (the same on every retry), the time this attempt's. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): SignedHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `${SIGNATURE_VERSION},${sign(secretKey(secret), id, timestamp, body)}`,
  };
}

/** Headers as `fetch` or `node:http` give them. */
export type ReceivedHeaders = Headers | Record<string, string | string[] | undefined>;

function header(headers: ReceivedHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * For receivers (and the tests): true where the request was signed with `secret` over exactly this body,
 * at a time within `toleranceSeconds` of now. The signature header may hold several space-separated
 * signatures (while a secret is rotated); one valid `v1` is enough.
 */
export function verifyWebhookSignature(
  secret: string,
  headers: ReceivedHeaders,
  body: string,
  toleranceSeconds: number,
  now: Date = new Date(),
): boolean {
  const id = header(headers, 'webhook-id');
  const timestampText = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestampText || !signatures || !/^[0-9]{1,12}$/.test(timestampText)) return false;
  const timestamp = Number(timestampText);
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return false;

  const expected = Buffer.from(sign(secretKey(secret), id, timestamp, body), 'base64');
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',', 2);
    if (version !== SIGNATURE_VERSION || !signature) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
