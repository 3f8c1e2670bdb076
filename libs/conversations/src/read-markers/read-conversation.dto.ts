import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';

/** `POST /conversations/:id/read`: no body, `{}`, or how far the caller has read. */
export class ReadConversationDto {
  @ApiPropertyOptional({
    description:
      "A log position (a command's or the views' `position`): read up to there; at most, and by default, the " +
      "conversation's last event",
    example: '1042',
  })
  @Matches(/^(0|[1-9][0-9]{0,76})$/, { message: 'position must be a log position (digits), as commands answer it' })
  @IsString({ message: 'position must be a string of digits, as commands answer it' })
  @IsOptional()
  position?: string;
}
