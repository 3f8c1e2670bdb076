/** What the unread tables key and compare by, for the projection and its replay alike. */
import type { RecordedEvent } from '@team-inbox/event-store';
import type { ConversationRead } from '@team-inbox/team/domain/team.events';

/** Digits a position is padded to, so that positions compare as text (an EventStoreDB one takes 128 bits). */
export const POSITION_DIGITS = 40;

/** A position as the tables hold it: text that sorts as the position does. */
export const sortablePosition = (position: bigint | string): string =>
  position.toString().padStart(POSITION_DIGITS, '0');

export const isConversationRead = (event: RecordedEvent): event is RecordedEvent & ConversationRead =>
  event.type === 'ConversationRead' && event.streamId.startsWith('member-');
