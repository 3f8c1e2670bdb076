import { createHmac } from 'node:crypto';
import { hmacSha256Base64, signatureMatches } from './hmac-signature';

describe('webhook HMAC signatures', () => {
  const body = Buffer.from('{"id":820982911946154508,"email":"jon@example.com"}');
  const signed = (secret: string) => createHmac('sha256', secret).update(body).digest('base64');

  it('computes base64 HMAC-SHA256 of the raw bytes', () => {
    expect(hmacSha256Base64('hush', body)).toBe(signed('hush'));
  });

  it('accepts the signature made with the secret, or with the previous one during a rotation', () => {
    expect(signatureMatches(body, signed('new-secret'), ['new-secret'])).toBe(true);
    expect(signatureMatches(body, signed('old-secret'), ['new-secret', 'old-secret'])).toBe(true);
  });

  it('refuses another secret, another body, or a signature that is no HMAC at all', () => {
    expect(signatureMatches(body, signed('other'), ['new-secret'])).toBe(false);
    expect(signatureMatches(Buffer.from(`${body.toString()} `), signed('new-secret'), ['new-secret'])).toBe(false);
    expect(signatureMatches(body, undefined, ['new-secret'])).toBe(false);
    expect(signatureMatches(body, '', ['new-secret'])).toBe(false);
    expect(signatureMatches(body, 'c2hvcnQ=', ['new-secret'])).toBe(false); // too short: no comparison made
    expect(signatureMatches(body, signed('new-secret').replace('=', '!'), ['new-secret'])).toBe(false);
    expect(signatureMatches(body, signed('new-secret'), [])).toBe(false);
  });

  it('is the same for one byte more or less: the raw bytes are what is signed', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString())));
    expect(signatureMatches(reserialised, signed('s'), ['s'])).toBe(false);
  });
});
