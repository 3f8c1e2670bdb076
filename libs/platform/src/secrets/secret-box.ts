/**
 * Seals the secrets team-inbox must keep in readable form (the keys of inbound webhook signatures, the
 * keys it signs outbound deliveries with) before they go into the event log: AES-256-GCM with a key that
 * never enters the log. The key is `INBOX_SECRETS_KEY` where set (API instances sharing one EventStoreDB
 * must share it); otherwise generated on the first start into `DATA_DIR/secrets-key`, owner-only.
 */
import { Logger } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SECRETS_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** A sealed secret says how it was sealed, so another scheme can be added without guessing. */
const FORMAT = 'v1';

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== SECRETS_KEY_BYTES) throw new Error(`A secrets key is ${SECRETS_KEY_BYTES} bytes`);
  }

  seal(secret: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return `${FORMAT}.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
  }

  /** Throws where the sealed text was altered or sealed with another key. */
  open(sealed: string): string {
    const [format, payload] = sealed.split('.');
    if (format !== FORMAT || !payload) throw new Error('Not a secret sealed by this server');
    const bytes = Buffer.from(payload, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}

export function secretsKeyFile(dataDir: string): string {
  return join(dataDir, 'secrets-key');
}

export function resolveSecretBox(configured: Buffer | undefined, dataDir: string): SecretBox {
  if (configured) return new SecretBox(configured);
  const file = secretsKeyFile(dataDir);
  const logger = new Logger('SecretBox');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    try {
      // 'wx': never overwrite a key another process wrote between the check and now.
      writeFileSync(file, `${randomBytes(SECRETS_KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      logger.log(`INBOX_SECRETS_KEY is not set: generated a key for webhook secrets in ${file} (owner-only)`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  chmodSync(file, 0o600);
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== SECRETS_KEY_BYTES) throw new Error(`${file} does not hold a ${SECRETS_KEY_BYTES}-byte key`);
  return new SecretBox(key);
}
