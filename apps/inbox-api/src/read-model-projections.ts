import type { Type } from '@nestjs/common';
// The files themselves, not the libraries' indexes: the projector's worker thread loads this module, and
// needs neither controllers nor Nest's HTTP stack nor the EventStoreDB client.
import { ConversationSearchProjection } from '@team-inbox/conversations/conversation-search.projection';
import { ConversationSummariesProjection } from '@team-inbox/conversations/conversation-summaries.projection';
import { UnreadProjection } from '@team-inbox/conversations/read-markers/unread.projection';
import type { Projection } from '@team-inbox/projections';
import { TeamProjection } from '@team-inbox/team/team.projection';

/** Every read model the server keeps: what the projector applies and what a rebuild replaces. */
export const READ_MODEL_PROJECTIONS: Type<Projection>[] = [
  TeamProjection,
  ConversationSummariesProjection,
  UnreadProjection,
  ConversationSearchProjection,
];
