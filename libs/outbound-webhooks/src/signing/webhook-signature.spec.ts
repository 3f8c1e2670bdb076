import { createHmac } from 'node:crypto';
import { generateWebhookSecret, signWebhook, verifyWebhookSignature } from './webhook-signature';

describe('webhook signatures', () => {
  const secret = generateWebhookSecret();
  const body = JSON.stringify({ id: 'delivery-1', type: 'conversation.assigned' });
  const now = new Date('2030-01-01T12:00:00Z');
  const timestamp = Math.floor(now.getTime() / 1000);
  const headers = signWebhook(secret, 'delivery-1', timestamp, body);

  it('generates Standard Webhooks secrets: whsec_ and 32 random bytes in base64', () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(generateWebhookSecret()).not.toBe(secret);
  });

  it('signs "<id>.<timestamp>.<body>" with HMAC-SHA256 keyed by the decoded secret, as v1,<base64>', () => {
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`delivery-1.${timestamp}.${body}`).digest('base64');
    expect(headers).toEqual({
      'webhook-id': 'delivery-1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': `v1,${expected}`,
    });
  });

  it('matches the Standard Webhooks reference example', () => {
    // From the spec's reference libraries' tests.
    const reference = signWebhook(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    expect(reference['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('accepts its own signature, from a Headers object or node:http headers', () => {
    expect(verifyWebhookSignature(secret, headers, body, 300, now)).toBe(true);
    expect(verifyWebhookSignature(secret, new Headers({ ...headers }), body, 300, now)).toBe(true);
  });

  it('accepts one valid signature among several (a secret being rotated)', () => {
    const rotated = { ...headers, 'webhook-signature': `v1,bm90IHRoaXMgb25l ${headers['webhook-signature']}` };
    expect(verifyWebhookSignature(secret, rotated, body, 300, now)).toBe(true);
  });

  it('refuses a tampered body', () => {
    expect(verifyWebhookSignature(secret, headers, body.replace('assigned', 'closed'), 300, now)).toBe(false);
  });

  it('refuses another secret', () => {
    expect(verifyWebhookSignature(generateWebhookSecret(), headers, body, 300, now)).toBe(false);
  });

  it('refuses a timestamp outside the tolerance, either way, and a changed timestamp', () => {
    const later = new Date(now.getTime() + 301_000);
    const earlier = new Date(now.getTime() - 301_000);
    expect(verifyWebhookSignature(secret, headers, body, 300, later)).toBe(false);
    expect(verifyWebhookSignature(secret, headers, body, 300, earlier)).toBe(false);
    const moved = { ...headers, 'webhook-timestamp': String(timestamp + 1) };
    expect(verifyWebhookSignature(secret, moved, body, 300, now)).toBe(false);
  });

  it('refuses a request without the headers, or with another id', () => {
    expect(verifyWebhookSignature(secret, {}, body, 300, now)).toBe(false);
    expect(verifyWebhookSignature(secret, { ...headers, 'webhook-id': 'delivery-2' }, body, 300, now)).toBe(false);
    expect(verifyWebhookSignature(secret, { ...headers, 'webhook-signature': 'v2,abc' }, body, 300, now)).toBe(false);
  });
});
