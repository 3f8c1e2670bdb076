/**
 * The bootstrap admin's token: `INBOX_ADMIN_TOKEN` where set; otherwise generated on the first start and
 * written to `DATA_DIR/admin-token`, readable by its owner only. The log names the file, never the token.
 */
import { Logger } from '@nestjs/common';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashToken, issueToken } from '@team-inbox/platform';

export const BOOTSTRAP_ADMIN_TOKEN_HASH = Symbol('BOOTSTRAP_ADMIN_TOKEN_HASH');

export function adminTokenFile(dataDir: string): string {
  return join(dataDir, 'admin-token');
}

export function resolveBootstrapAdminTokenHash(configured: string | undefined, dataDir: string): string {
  if (configured) return hashToken(configured);
  const file = adminTokenFile(dataDir);
  const logger = new Logger('BootstrapAdmin');
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    logger.log(`INBOX_ADMIN_TOKEN is not set: using the admin token kept in ${file}`);
    return hashToken(readFileSync(file, 'utf8').trim());
  }
  mkdirSync(dataDir, { recursive: true });
  const { token } = issueToken();
  // 'wx': never overwrite a token another process wrote between the check and now.
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  logger.log(`INBOX_ADMIN_TOKEN is not set: generated an admin token and wrote it to ${file} (owner-only)`);
  return hashToken(token);
}
