/**
 * How much of a conversation `GET /conversations/:id` answers: the most recent messages and timeline
 * entries, a page of each, and the cursors that ask for the pages before them.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export const DEFAULT_ENTRIES_PER_PAGE = 50;
export const MAX_ENTRIES_PER_PAGE = 200;
/**
 * The most a page's list of messages, or of timeline entries, weighs as JSON: a count alone lets a page of
 * the longest messages (control characters, escaped six bytes each) grow to tens of megabytes.
 */
export const MAX_PAGE_LIST_BYTES = 1024 * 1024;

const PageLimit = (name: string, what: string) =>
  applyDecorators(
    ApiPropertyOptional({
      description:
        `How many of the most recent ${what} (before \`${name.replace('Limit', 'Before')}\`, if given) the page ` +
        'holds at most: fewer where their JSON would pass 1 MiB (never none), the cursor then naming the rest',
      minimum: 1,
      maximum: MAX_ENTRIES_PER_PAGE,
      default: DEFAULT_ENTRIES_PER_PAGE,
    }),
    Max(MAX_ENTRIES_PER_PAGE, { message: `${name} must be from 1 to ${MAX_ENTRIES_PER_PAGE}` }),
    Min(1, { message: `${name} must be from 1 to ${MAX_ENTRIES_PER_PAGE}` }),
    IsInt({ message: `${name} must be a whole number from 1 to ${MAX_ENTRIES_PER_PAGE}` }),
    Type(() => Number),
    IsOptional(),
  );

const PageCursor = (name: string, cursorField: string, what: string) =>
  applyDecorators(
    ApiPropertyOptional({
      description: `\`${cursorField}\` of a previous answer: the page of ${what} just before that one`,
      example: '1270',
    }),
    Matches(/^(0|[1-9][0-9]{0,14})$/, {
      message: `${name} must be the ${cursorField} of a previous answer (digits)`,
    }),
    IsOptional(),
  );

/** What a query read from the log itself takes: `minPosition`, as every query does, which never waits there. */
export class ReadFromTheLogDto {
  @ApiPropertyOptional({
    description:
      "A command's `position`, as every query takes it: this answer is read from the log itself, always " +
      'current, so it never waits',
  })
  @Matches(/^(0|[1-9][0-9]{0,76})$/, { message: 'minPosition must be a position a command returned (digits)' })
  @IsOptional()
  minPosition?: string;
}

export class ConversationPageDto {
  @ApiPropertyOptional({
    description:
      "A command's `position`, as every query takes it. The conversation is read from the log itself, always " +
      'current; `customerConversations`, from the read models, waits up to 2 seconds for them to reach it',
  })
  @Matches(/^(0|[1-9][0-9]{0,76})$/, { message: 'minPosition must be a position a command returned (digits)' })
  @IsOptional()
  minPosition?: string;

  @PageLimit('messagesLimit', 'messages')
  messagesLimit?: number;

  @PageCursor('messagesBefore', 'earlierMessagesCursor', 'messages')
  messagesBefore?: string;

  @PageLimit('timelineLimit', 'timeline entries')
  timelineLimit?: number;

  @PageCursor('timelineBefore', 'earlierTimelineCursor', 'timeline entries')
  timelineBefore?: string;
}
