/** Looks members, integrations and tokens up in the team read model. */
import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { BOOTSTRAP_ADMIN } from '@team-inbox/core';
import { READ_MODEL_DB } from '@team-inbox/projections';
import { BOOTSTRAP_ADMIN_TOKEN_HASH } from './bootstrap-admin';
import type { MemberRole } from './domain/team.events';
import type { Principal } from '@team-inbox/platform';
import { SecretBox } from '@team-inbox/platform';
import { hashToken, hashesMatch, tokenIdOf } from '@team-inbox/platform';

export interface MemberView {
  id: string;
  name: string;
  email: string;
  role: MemberRole;
}

export interface IntegrationView {
  id: string;
  name: string;
  shopDomain: string | null;
  hasWebhookSecret: boolean;
  previousSecretAcceptedUntil: string | null;
}

/** What a shop's webhook is checked against. */
export interface IntegrationWebhookSettings {
  id: string;
  name: string;
  shopDomain: string | null;
  /** The secrets a signature may be made with now: the current one, and the previous while it lasts. */
  secrets: string[];
}

interface IntegrationRow {
  id: string;
  name: string;
  sealed_secret: string | null;
  previous_sealed_secret: string | null;
  previous_secret_accepted_until: string | null;
  shop_domain: string | null;
}

/** Where a page of members ends: the last one's name and id (the order's tie-break). */
export interface MemberPageKey {
  name: string;
  id: string;
}

interface MemberRow extends MemberView {
  token_hash: string;
  active: number;
}

@Injectable()
export class TeamDirectory {
  // Prepared once, on first use (the projector creates the tables at start-up): `authenticate` runs on
  // every request.
  private prepared: ReturnType<typeof prepareStatements> | undefined;

  constructor(
    @Inject(READ_MODEL_DB) private readonly db: Database.Database,
    @Inject(BOOTSTRAP_ADMIN_TOKEN_HASH) private readonly bootstrapAdminTokenHash: string,
    private readonly secretBox: SecretBox,
  ) {}

  private get statements(): ReturnType<typeof prepareStatements> {
    this.prepared ??= prepareStatements(this.db);
    return this.prepared;
  }

  /** The token's owner, or undefined for an unknown, revoked or malformed token. */
  authenticate(token: string): Principal | undefined {
    const tokenHash = hashToken(token); // once: it runs on every request
    if (hashesMatch(tokenHash, this.bootstrapAdminTokenHash)) {
      return { actor: BOOTSTRAP_ADMIN, role: 'admin', name: 'Bootstrap admin' };
    }
    const tokenId = tokenIdOf(token);
    if (!tokenId) return undefined;
    const member = this.statements.activeMemberByToken.get(tokenId);
    if (member) {
      return hashesMatch(tokenHash, member.token_hash)
        ? { actor: { type: 'member', id: member.id }, role: member.role, name: member.name }
        : undefined;
    }
    const integration = this.statements.integrationByToken.get(tokenId);
    return integration && hashesMatch(tokenHash, integration.token_hash)
      ? { actor: { type: 'integration', id: integration.id }, role: 'integration', name: integration.name }
      : undefined;
  }

  /** An active member, or undefined (unknown or removed). */
  activeMember(id: string): MemberView | undefined {
    const row = this.statements.activeMember.get(id);
    return row && toView(row);
  }

  isRemovedMember(id: string): boolean {
    return this.statements.removedMember.get(id) !== undefined;
  }

  /** Integrations, by name; no secret, only whether one is set. */
  integrations(): IntegrationView[] {
    return this.statements.integrations.all().map((row) => ({
      id: row.id,
      name: row.name,
      shopDomain: row.shop_domain,
      hasWebhookSecret: row.sealed_secret !== null,
      previousSecretAcceptedUntil: row.previous_sealed_secret ? row.previous_secret_accepted_until : null,
    }));
  }

  /** Undefined for an unknown integration; `secrets` is empty where none is set. */
  integrationWebhookSettings(id: string, now = new Date()): IntegrationWebhookSettings | undefined {
    const row = this.statements.integration.get(id);
    if (!row) return undefined;
    const previousLasts =
      row.previous_sealed_secret !== null &&
      row.previous_secret_accepted_until !== null &&
      now.toISOString() < row.previous_secret_accepted_until;
    const sealed = [row.sealed_secret, previousLasts ? row.previous_sealed_secret : null];
    const secrets = sealed.filter((secret) => secret !== null).map((secret) => this.unseal(secret, row.id));
    return { id: row.id, name: row.name, shopDomain: row.shop_domain, secrets };
  }

  private unseal(sealed: string, integrationId: string): string {
    try {
      return this.secretBox.open(sealed);
    } catch {
      // Sealed under another key: servers sharing one EventStoreDB without one INBOX_SECRETS_KEY.
      throw new ServiceUnavailableException(
        `Integration ${integrationId}'s webhook secret was sealed with another key than this server's: every server must share INBOX_SECRETS_KEY`,
      );
    }
  }

  /** Active members, by name. */
  activeMembers(): MemberView[] {
    return this.statements.activeMembers.all().map(toView);
  }

  /** Up to `limit` active members by name, after the member `after` names (a keyset page). */
  activeMembersPage(limit: number, after?: MemberPageKey): MemberView[] {
    return after
      ? this.statements.activeMembersAfter.all({ ...after, limit })
      : this.statements.activeMembersFirst.all(limit);
  }
}

const INTEGRATIONS = `SELECT i.id, i.name, s.sealed_secret, s.previous_sealed_secret, s.previous_secret_accepted_until,
  s.shop_domain FROM team_integrations i LEFT JOIN team_integration_webhook_secrets s ON s.integration_id = i.id`;

function prepareStatements(db: Database.Database) {
  return {
    activeMemberByToken: db.prepare<[string], MemberRow>(
      'SELECT * FROM team_members WHERE token_id = ? AND active = 1',
    ),
    integrationByToken: db.prepare<[string], { id: string; name: string; token_hash: string }>(
      'SELECT id, name, token_hash FROM team_integrations WHERE token_id = ?',
    ),
    activeMember: db.prepare<[string], MemberRow>('SELECT * FROM team_members WHERE id = ? AND active = 1'),
    removedMember: db.prepare<[string], { id: string }>('SELECT id FROM team_members WHERE id = ? AND active = 0'),
    integration: db.prepare<[string], IntegrationRow>(`${INTEGRATIONS} WHERE i.id = ?`),
    integrations: db.prepare<[], IntegrationRow>(`${INTEGRATIONS} ORDER BY i.name COLLATE NOCASE, i.id`),
    activeMembers: db.prepare<[], MemberRow>(
      'SELECT * FROM team_members WHERE active = 1 ORDER BY name COLLATE NOCASE, id',
    ),
    // Only what a page shows, all of it in the index: no row of the table is read.
    activeMembersFirst: db.prepare<[number], MemberView>(
      'SELECT id, name, email, role FROM team_members WHERE active = 1 ORDER BY name COLLATE NOCASE, id LIMIT ?',
    ),
    // The first condition lets the index seek to the page's start; the second skips the members before it.
    activeMembersAfter: db.prepare<[{ name: string; id: string; limit: number }], MemberView>(
      `SELECT id, name, email, role FROM team_members
        WHERE active = 1 AND name >= @name COLLATE NOCASE AND (name > @name COLLATE NOCASE OR id > @id)
        ORDER BY name COLLATE NOCASE, id LIMIT @limit`,
    ),
  };
}

function toView(row: MemberRow): MemberView {
  return { id: row.id, name: row.name, email: row.email, role: row.role };
}
