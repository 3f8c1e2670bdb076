/**
 * What `npm start` prints once the server listens: where it is and how to sign in, as a few lines for the
 * person who started it (the log around them is JSON, for machines). Never the token itself: where it is.
 */
export interface SignInNoticeOptions {
  /** Where the server listens. */
  url: string;
  /** The admin's token comes from INBOX_ADMIN_TOKEN, not from a file. */
  tokenFromEnvironment: boolean;
  /** `DATA_DIR/admin-token`. */
  tokenFile: string;
  /** The file was written by this start (a new DATA_DIR). */
  tokenGenerated: boolean;
}

export const SIGN_IN_NOTICE_TITLE = 'team-inbox is ready';

export function signInNotice(options: SignInNoticeOptions): string {
  const lines = [`${SIGN_IN_NOTICE_TITLE}: open ${options.url}`];
  if (options.tokenFromEnvironment) {
    lines.push('Sign in as the admin with the token INBOX_ADMIN_TOKEN holds.');
  } else {
    const kept = options.tokenGenerated ? 'was generated into' : 'is in';
    lines.push(`Sign in as the admin: the token ${kept} ${options.tokenFile} (readable by its owner only):`);
    lines.push(`  cat ${/\s/.test(options.tokenFile) ? `'${options.tokenFile}'` : options.tokenFile}`);
  }
  return `\n${lines.map((line) => `  ${line}`).join('\n')}\n\n`;
}
