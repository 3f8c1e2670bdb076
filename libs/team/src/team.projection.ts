/** Members and integrations as the rest of the server looks them up: by id, by token id, by email. */
import { Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import type { RecordedEvent } from '@team-inbox/event-store';
// From the file, not the library's index: the projector's worker thread loads this without Nest's modules.
import { StatementCache, type Projection } from '@team-inbox/projections/projection';
import { recordedOneOf } from '@team-inbox/core';
import type { TeamEvent } from './domain/team.events';

/** The team's events this projection keeps. */
const isProjectedTeamEvent = recordedOneOf<TeamEvent>([
  'MemberJoined',
  'MemberRemoved',
  'IntegrationRegistered',
  'IntegrationWebhookSecretSet',
]);

@Injectable()
export class TeamProjection implements Projection {
  readonly name = 'team';
  readonly tables = ['team_members', 'team_integrations', 'team_integration_webhook_secrets'] as const;
  private readonly statements = new StatementCache((db) => ({
    join: db.prepare(
      `INSERT INTO team_members (id, name, email, role, token_id, token_hash, active)
       VALUES (@memberId, @name, @email, @role, @tokenId, @tokenHash, 1) ON CONFLICT (id) DO NOTHING`,
    ),
    remove: db.prepare('UPDATE team_members SET active = 0 WHERE id = ?'),
    register: db.prepare(
      `INSERT INTO team_integrations (id, name, token_id, token_hash)
       VALUES (@integrationId, @name, @tokenId, @tokenHash) ON CONFLICT (id) DO NOTHING`,
    ),
    setWebhookSecret: db.prepare(
      `INSERT INTO team_integration_webhook_secrets
         (integration_id, sealed_secret, previous_sealed_secret, previous_secret_accepted_until, shop_domain)
       VALUES (@integrationId, @sealedSecret, @previousSealedSecret, @previousSecretAcceptedUntil, @shopDomain)
       ON CONFLICT (integration_id) DO UPDATE SET
         sealed_secret = excluded.sealed_secret,
         previous_sealed_secret = excluded.previous_sealed_secret,
         previous_secret_accepted_until = excluded.previous_secret_accepted_until,
         shop_domain = excluded.shop_domain`,
    ),
  }));

  setUp(db: Database.Database): void {
    db.exec(`
      CREATE TABLE IF NOT EXISTS team_members (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        email       TEXT NOT NULL,
        role        TEXT NOT NULL,
        token_id    TEXT NOT NULL UNIQUE,
        token_hash  TEXT NOT NULL,
        active      INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS team_members_by_email ON team_members (lower(email), active);
      -- GET /members pages through the active members by name; the index holds all a page shows.
      CREATE INDEX IF NOT EXISTS team_members_page ON team_members (active, name COLLATE NOCASE, id, email, role);
      CREATE TABLE IF NOT EXISTS team_integrations (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        token_id    TEXT NOT NULL UNIQUE,
        token_hash  TEXT NOT NULL
      );
      -- Sealed (SecretBox): the read models hold no secret in plain text either.
      CREATE TABLE IF NOT EXISTS team_integration_webhook_secrets (
        integration_id                  TEXT PRIMARY KEY,
        sealed_secret                   TEXT NOT NULL,
        previous_sealed_secret          TEXT,
        previous_secret_accepted_until  TEXT,
        shop_domain                     TEXT
      );
    `);
  }

  apply(event: RecordedEvent, db: Database.Database): void {
    if (!isProjectedTeamEvent(event)) return;
    const statements = this.statements.for(db);
    switch (event.type) {
      case 'MemberJoined':
        statements.join.run(event.data);
        break;
      case 'MemberRemoved':
        statements.remove.run(event.data.memberId);
        break;
      case 'IntegrationRegistered':
        statements.register.run(event.data);
        break;
      case 'IntegrationWebhookSecretSet':
        statements.setWebhookSecret.run(event.data);
        break;
      default:
        break;
    }
  }
}
