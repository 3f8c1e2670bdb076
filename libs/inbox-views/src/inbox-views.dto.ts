import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { VIEWS, type View } from './inbox-views.queries';

export const DEFAULT_PAGE_SIZE = 50;
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
}
