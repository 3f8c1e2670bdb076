import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox, resolveSecretBox, secretsKeyFile } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(Buffer.alloc(32, 1));

  it('opens what it sealed, and the sealed text does not contain the secret', () => {
    const sealed = box.seal('shpss_0123456789abcdef');
    expect(sealed).not.toContain('shpss_0123456789abcdef');
    expect(box.open(sealed)).toBe('shpss_0123456789abcdef');
  });

  it('seals the same secret differently each time', () => {
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it('refuses a sealed secret that was altered or sealed with another key', () => {
    const sealed = box.seal('secret');
    // The second-to-last character: every bit of it is the ciphertext's (the last one's low bits are padding).
    const at = sealed.length - 2;
    const flipped = sealed.slice(0, at) + (sealed[at] === 'A' ? 'B' : 'A') + sealed.slice(at + 1);
    expect(() => box.open(flipped)).toThrow();
    expect(() => new SecretBox(Buffer.alloc(32, 2)).open(sealed)).toThrow();
    expect(() => box.open('plain text')).toThrow('Not a secret sealed by this server');
  });
});

describe('resolveSecretBox', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'secret-box-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('generates an owner-only key file once, and the next start opens what the first sealed', () => {
    const sealed = resolveSecretBox(undefined, dataDir).seal('kept across restarts');
    expect(statSync(secretsKeyFile(dataDir)).mode & 0o777).toBe(0o600);
    const key = readFileSync(secretsKeyFile(dataDir), 'utf8');
    expect(resolveSecretBox(undefined, dataDir).open(sealed)).toBe('kept across restarts');
    expect(readFileSync(secretsKeyFile(dataDir), 'utf8')).toBe(key);
  });

  it('uses the configured key, and writes no file', () => {
    const configured = Buffer.alloc(32, 9);
    const sealed = resolveSecretBox(configured, dataDir).seal('x');
    expect(new SecretBox(configured).open(sealed)).toBe('x');
    expect(() => statSync(secretsKeyFile(dataDir))).toThrow();
  });
});
