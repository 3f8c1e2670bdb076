/**
 * A member's read marks, kept in the member's own stream (`ConversationRead`, the member decider's rule):
 * reading a conversation appends there, never to the conversation, so its revision stays as it was. The
 * folds of the members' streams are remembered between commands, so that a read, or the `unread` of a
 * command's answer, reads only what was appended since.
 */
import { Inject, Injectable } from '@nestjs/common';
import {
  KeyedLock,
  LruFoldCache,
  collect,
  handleCommand,
  idFor,
  type CommandContext,
  type FoldedStream,
} from '@team-inbox/core';
import { EVENT_STORE, type EventStore, type Position } from '@team-inbox/event-store';
import { memberDecider, type MemberState } from '@team-inbox/team/domain/member.decider';
import { memberStreamId, type MemberEvent } from '@team-inbox/team/domain/team.events';

/** Members whose folds are kept: the team at work. */
const RECENT_MEMBERS = 1000;

@Injectable()
export class ReadMarkers {
  private readonly turns = new KeyedLock();
  private readonly folds = new LruFoldCache<MemberState>(RECENT_MEMBERS);

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /**
   * Marks the conversation read up to `position`, where the member had not read it so far. Answers how far
   * the member has read it now, and the log position of the member's last event (the read, where one was
   * appended): what a client waits for to see it in the views.
   */
  markRead(
    memberId: string,
    conversationId: string,
    position: bigint,
    context: CommandContext,
  ): Promise<{ readUpTo: bigint | undefined; position: Position | undefined }> {
    return this.turns.run(memberId, async () => {
      const outcome = await handleCommand(
        this.store,
        memberStreamId(memberId),
        memberDecider,
        { type: 'ReadConversation', memberId, conversationId, position },
        { context, eventId: () => idFor('conversation-read', context), cache: this.folds },
      );
      return { readUpTo: readUpToIn(outcome.state, conversationId), position: outcome.position };
    });
  }

  /** How far the member has read the conversation; undefined where it never has. */
  readUpTo(memberId: string, conversationId: string): Promise<bigint | undefined> {
    return this.turns.run(memberId, async () => readUpToIn((await this.read(memberId)).state, conversationId));
  }

  /** The member's stream folded: what is remembered, and what was appended since. */
  private async read(memberId: string): Promise<FoldedStream<MemberState>> {
    const streamId = memberStreamId(memberId);
    const known = this.folds.get(streamId) ?? { state: memberDecider.initialState, length: 0, last: undefined };
    const events = await collect(this.store.readStream<MemberEvent>(streamId, { fromRevision: BigInt(known.length) }));
    const last = events.at(-1);
    if (!last) return known;
    const folded: FoldedStream<MemberState> = {
      state: events.reduce<MemberState>((state, event) => memberDecider.evolve(state, event), known.state),
      length: known.length + events.length,
      last: { revision: last.revision, position: last.position },
    };
    this.folds.remember(streamId, folded);
    return folded;
  }
}

function readUpToIn(state: MemberState, conversationId: string): bigint | undefined {
  return state.status === 'none' ? undefined : state.readUpTo.get(conversationId);
}
