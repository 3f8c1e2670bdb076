/** What the inbox views answer, as the OpenAPI document describes it. */
import { ApiProperty } from '@nestjs/swagger';
import { ConversationSummaryResponse } from '@team-inbox/conversations';

/** Every view's answer says which log position it shows: a client compares it with a command's `position`. */
export const PROJECTION_POSITION_HEADER = {
  'X-Projection-Position': {
    description: 'The log position the views show (after waiting for `minPosition`, where given)',
    schema: { type: 'string', example: '1042' },
  },
} as const;

export class ConversationListResponse {
  @ApiProperty({ type: [ConversationSummaryResponse], description: 'Most recent activity first' })
  items!: ConversationSummaryResponse[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page',
  })
  nextCursor!: string | null;
}

export class InboxCountsResponse {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Open conversations assigned to the caller' })
  mine!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Open conversations nobody is assigned' })
  unassigned!: number;
}

export class InboxPageResponse extends ConversationListResponse {
  @ApiProperty({ type: () => InboxCountsResponse }) counts!: InboxCountsResponse;
}

export class ViewCountsResponse {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'The inbox: open, unassigned or the caller’s' })
  inbox!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) mine!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) unassigned!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) assigned!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) closed!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) all!: number;
}
