import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { VIEWS, type View } from './inbox-views.queries';

export const DEFAULT_PAGE_SIZE = 50;
/** A search's text: long enough for a few words, an email or a subject, short enough to stay cheap. */
export const MAX_SEARCH_LENGTH = 200;
export const MAX_SEARCH_WORDS = 16;
export const MAX_PAGE_SIZE = 200;

export class ReadYourWritesDto {
  @ApiPropertyOptional({ description: "A command's `position`: wait up to 2 s for the views to include it" })
  @Matches(/^(0|[1-9][0-9]{0,76})$/, { message: 'minPosition must be a position a command returned (digits)' })
  @IsOptional()
  minPosition?: string;
}

export class PageDto extends ReadYourWritesDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @Max(MAX_PAGE_SIZE, { message: `limit must be from 1 to ${MAX_PAGE_SIZE}` })
  @Min(1, { message: `limit must be from 1 to ${MAX_PAGE_SIZE}` })
  @IsInt({ message: `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}` })
  @Type(() => Number)
  @IsOptional()
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @MaxLength(1000, { message: 'cursor is too long to be one this server gave out' })
  @IsString()
  @IsOptional()
  cursor?: string;
}

export class ListConversationsDto extends PageDto {
  @ApiPropertyOptional({ enum: VIEWS, default: 'all' })
  @IsIn(VIEWS, { message: `view must be one of: ${VIEWS.join(', ')}` })
  @IsOptional()
  view?: View;

  @ApiPropertyOptional({ description: 'Only this member’s conversations (views assigned, closed, all)' })
  @IsUUID('all', { message: 'assigneeId must be a member id (a UUID)' })
  @IsOptional()
  assigneeId?: string;

  @ApiPropertyOptional({
    description:
      'Search: the conversations of the view whose subject, customer name or email, messages or store events ' +
      'hold every word (case and accents aside; a word matches the words it begins). Best match first; ' +
      '`nextCursor` pages on through the matches. Empty: no search',
    maxLength: MAX_SEARCH_LENGTH,
    example: 'ada #1002',
  })
  @Matches(new RegExp(`^\\s*\\S+(\\s+\\S+){0,${MAX_SEARCH_WORDS - 1}}\\s*$`), {
    message: `q must be at most ${MAX_SEARCH_WORDS} words`,
  })
  @Matches(/[\p{L}\p{N}]/u, { message: 'q must hold a letter or a digit to search for' })
  @MaxLength(MAX_SEARCH_LENGTH, { message: `q must be at most ${MAX_SEARCH_LENGTH} characters` })
  @IsString({ message: 'q must be given once, as text' })
  // An empty q (a search box cleared) is no search.
  @ValidateIf((query: ListConversationsDto) => typeof query.q !== 'string' || query.q.trim() !== '')
  @IsOptional()
  q?: string;
}
