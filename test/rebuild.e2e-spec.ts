/**
 * The read models are disposable: a seeded random run of 5,000 commands over 50 conversations and 8
 * members builds them live; a rebuild from the log alone must equal them, row for row. Then the rebuild
 * is swapped in under the running server, which carries on.
 */
import { ConversationCommandCore, type ConversationCommand } from '@team-inbox/conversations';
import { DomainError, type CommandContext } from '@team-inbox/core';
import { collect } from '@team-inbox/event-store';
import {
  ProcessManagers,
  ProjectionProgress,
  READ_MODEL_DB,
  readModelFile,
  rebuildReadModels,
  replayInto,
} from '@team-inbox/projections';
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { READ_MODEL_PROJECTIONS } from '../apps/inbox-api/src/read-model-projections';
import { Inbox, type Member } from './support/inbox';
import { dumpTables } from './support/read-model-tables';
import { pick, seededRandom } from '@team-inbox/core/testing/seeded-random';

const SEED = Number(process.env.TEST_SEED ?? 20261124);
const COMMANDS = 5000;
const CONVERSATIONS = 50;
const MEMBERS = 8;
const IN_FLIGHT = 8;

describe('rebuilding the read models', () => {
  let inbox: Inbox;
  const projections = READ_MODEL_PROJECTIONS.map((projection) => new projection());
  const tables = projections.flatMap((projection) => [...projection.tables]);

  beforeAll(async () => {
    inbox = await Inbox.start();
  });
  afterAll(async () => {
    await inbox.stop();
  });

  async function settle(): Promise<void> {
    const head = await inbox.head();
    const app = inbox.running.app;
    expect(await app.get(ProjectionProgress).waitFor(head, 20_000)).toBe(true);
    expect(await app.get(ProcessManagers).waitForAll(head, 20_000)).toBe(true);
    expect(await app.get(ProjectionProgress).waitFor(await inbox.head(), 20_000)).toBe(true);
  }

  it(`equals the live read models after ${COMMANDS} seeded random commands (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const conversations = inbox.running.app.get(ConversationCommandCore);
    const chat = await inbox.addIntegration();
    const members: Member[] = [];
    for (let i = 0; i < MEMBERS; i++) members.push(await inbox.addMember(`Member ${i}`));
    const conversationIds = Array.from({ length: CONVERSATIONS }, () => randomUUID());
    const context = (actor: CommandContext['actor']): CommandContext => ({
      actor,
      occurredAt: new Date(),
      correlationId: randomUUID(),
    });

    /** One random command, as the HTTP layer would send it (members as actors, the integration for customers). */
    const nextCommand = (): { command: ConversationCommand; actor: CommandContext['actor'] } => {
      const conversationId = pick(random, conversationIds);
      const member = pick(random, members);
      const asMember = { type: 'member' as const, id: member.id };
      const roll = random();
      if (roll < 0.12) {
        return {
          actor: { type: 'integration', id: chat.id },
          command: {
            type: 'StartConversation',
            conversationId,
            customer: { id: `c-${conversationId}`, name: null, email: null },
            subject: null,
            messageId: randomUUID(),
            body: 'Hello',
          },
        };
      }
      if (roll < 0.3)
        return {
          actor: { type: 'integration', id: chat.id },
          command: { type: 'PostCustomerMessage', conversationId, messageId: randomUUID(), body: `Customer ${roll}` },
        };
      if (roll < 0.45)
        return {
          actor: asMember,
          command: {
            type: 'ReplyToConversation',
            conversationId,
            memberId: member.id,
            messageId: randomUUID(),
            body: `Reply ${roll}`,
          },
        };
      if (roll < 0.65)
        return {
          actor: asMember,
          command: { type: 'AssignConversation', conversationId, assigneeId: pick(random, members).id },
        };
      if (roll < 0.75) return { actor: asMember, command: { type: 'UnassignConversation', conversationId } };
      if (roll < 0.9) return { actor: asMember, command: { type: 'CloseConversation', conversationId } };
      return { actor: asMember, command: { type: 'ReopenConversation', conversationId } };
    };

    const commands = Array.from({ length: COMMANDS }, nextCommand);
    let refused = 0;
    for (let i = 0; i < commands.length; i += IN_FLIGHT) {
      await Promise.all(
        commands.slice(i, i + IN_FLIGHT).map(async ({ command, actor }) => {
          try {
            await conversations.execute(command, context(actor));
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            refused++; // a conversation not started yet, or started twice: the rules say no
          }
        }),
      );
      if (i <= COMMANDS / 2 && COMMANDS / 2 < i + IN_FLIGHT) {
        // A member leaves halfway: the process manager's unassignments are part of what must match.
        const leaving = members.pop()!;
        expect((await inbox.request('DELETE', `/members/${leaving.id}`)).status).toBe(204);
      }
    }
    await settle();
    expect(refused).toBeLessThan(COMMANDS / 4);

    const live = dumpTables(inbox.running.app.get<Database.Database>(READ_MODEL_DB), tables);
    const rebuilt = await replayInto(join(inbox.dataDir, 'compare.sqlite'), inbox.store, projections);
    try {
      expect(live.conversation_summaries).toHaveLength(CONVERSATIONS);
      expect(dumpTables(rebuilt.db, tables)).toEqual(live);
    } finally {
      rebuilt.db.close();
    }
  }, 120_000);

  it('swaps a rebuild in under the running server, which goes on projecting', async () => {
    const live = inbox.running.app.get<Database.Database>(READ_MODEL_DB);
    const before = dumpTables(live, tables);
    live.prepare('UPDATE conversation_summaries SET message_count = -1').run(); // damage: the rebuild must repair it

    const progress: number[] = [];
    const result = await rebuildReadModels({
      eventStore: inbox.store,
      projections,
      readModelFile: readModelFile(inbox.dataDir),
      batchSize: 1000,
      onProgress: (p) => progress.push(p.events),
    });

    expect(result.events).toBe((await collect(inbox.store.readAll())).length);
    expect(progress.length).toBeGreaterThan(3);
    expect(dumpTables(live, tables)).toEqual(before);

    const chat = await inbox.addIntegration('After the swap');
    const conversation = await inbox.startConversation(chat.token);
    await settle();
    expect(live.prepare('SELECT id FROM conversation_summaries WHERE id = ?').get(conversation.id)).toEqual({
      id: conversation.id,
    });
  }, 60_000);
});
