/** What the inbox views answer, as the OpenAPI document describes it. */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SummaryWithUnreadResponse } from '@team-inbox/conversations';

/** Every view's answer says which log position it shows: a client compares it with a command's `position`. */
export const PROJECTION_POSITION_HEADER = {
  'X-Projection-Position': {
    description: 'The log position the views show (after waiting for `minPosition`, where given)',
    schema: { type: 'string', example: '1042' },
  },
} as const;

export class ConversationListResponse {
  @ApiProperty({ type: [SummaryWithUnreadResponse], description: 'Most recent activity first' })
  items!: SummaryWithUnreadResponse[];
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
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    description: "The inbox's conversations unread to the caller; for agents and admins who are team members",
  })
  unread?: number;
}

export class InboxPageResponse extends ConversationListResponse {
  @ApiProperty({ type: () => InboxCountsResponse }) counts!: InboxCountsResponse;
}

export class UnreadViewCountsResponse {
  @ApiProperty({ type: 'integer', minimum: 0 }) inbox!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) mine!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) unassigned!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) assigned!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) closed!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) all!: number;
}

export class ViewCountsResponse {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'The inbox: open, unassigned or the caller’s' })
  inbox!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) mine!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) unassigned!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) assigned!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) closed!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) all!: number;
  @ApiPropertyOptional({
    type: () => UnreadViewCountsResponse,
    description:
      "How many of each view's conversations are unread to the caller; for agents and admins who are team members",
  })
  unread?: UnreadViewCountsResponse;
}
