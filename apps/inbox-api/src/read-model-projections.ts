import type { Type } from '@nestjs/common';
import { ConversationSummariesProjection } from '@team-inbox/conversations';
import type { Projection } from '@team-inbox/projections';
import { TeamProjection } from '@team-inbox/team';

/** Every read model the server keeps: what the projector applies and what a rebuild replaces. */
export const READ_MODEL_PROJECTIONS: Type<Projection>[] = [TeamProjection, ConversationSummariesProjection];
