/** Looks members, integrations and tokens up in the team read model. */
import { Inject, Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { BOOTSTRAP_ADMIN } from '@team-inbox/core';
import { READ_MODEL_DB } from '@team-inbox/projections';
import { BOOTSTRAP_ADMIN_TOKEN_HASH } from './bootstrap-admin';
import type { MemberRole } from './domain/team.events';
import type { Principal } from './principal';
import { tokenIdOf, tokenMatches } from './tokens';

export interface MemberView {
  id: string;
  name: string;
  email: string;
  role: MemberRole;
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
  ) {}

  private get statements(): ReturnType<typeof prepareStatements> {
    this.prepared ??= prepareStatements(this.db);
    return this.prepared;
  }

  /** The token's owner, or undefined for an unknown, revoked or malformed token. */
  authenticate(token: string): Principal | undefined {
    if (tokenMatches(token, this.bootstrapAdminTokenHash)) {
      return { actor: BOOTSTRAP_ADMIN, role: 'admin', name: 'Bootstrap admin' };
    }
    const tokenId = tokenIdOf(token);
    if (!tokenId) return undefined;
    const member = this.statements.activeMemberByToken.get(tokenId);
    if (member) {
      return tokenMatches(token, member.token_hash)
        ? { actor: { type: 'member', id: member.id }, role: member.role, name: member.name }
        : undefined;
    }
    const integration = this.statements.integrationByToken.get(tokenId);
    return integration && tokenMatches(token, integration.token_hash)
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

  /** Active members, by name. */
  activeMembers(): MemberView[] {
    return this.statements.activeMembers.all().map(toView);
  }
}

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
    activeMembers: db.prepare<[], MemberRow>(
      'SELECT * FROM team_members WHERE active = 1 ORDER BY name COLLATE NOCASE, id',
    ),
  };
}

function toView(row: MemberRow): MemberView {
  return { id: row.id, name: row.name, email: row.email, role: row.role };
}
