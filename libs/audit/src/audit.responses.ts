/** What the audit routes answer, as the OpenAPI document describes it. */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ActorResponse } from '@team-inbox/conversations';

export class HistoryEntryResponse {
  @ApiProperty({ description: 'The log position (a decimal string: positions exceed 2^53)', example: '1042' })
  position!: string;
  @ApiProperty({ type: 'integer', minimum: 0, description: "The event's revision in the conversation's stream" })
  revision!: number;
  @ApiProperty({ example: 'ConversationAssigned' }) type!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ type: () => ActorResponse }) actor!: ActorResponse;
  @ApiProperty({ type: 'object', additionalProperties: true, description: "The event's data, as recorded" })
  data!: Record<string, unknown>;
}

/** One line of the assignment audit: an assignment or unassignment, its data beside where and when. */
export class AssignmentChangeResponse {
  @ApiProperty({ description: 'The log position', example: '1042' }) position!: string;
  @ApiProperty({ format: 'uuid' }) conversationId!: string;
  @ApiProperty({ enum: ['ConversationAssigned', 'ConversationUnassigned'] }) type!: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'ConversationAssigned: the new assignee' })
  assigneeId?: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The assignee before' })
  previousAssigneeId!: string | null;
  @ApiProperty({ enum: ['manual', 'replied', 'member_removed'] }) reason!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ type: () => ActorResponse }) actor!: ActorResponse;
}
