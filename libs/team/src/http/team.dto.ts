import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDefined, IsEmail, IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { MEMBER_ROLES, type MemberRole } from '../domain/team.events';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

export class AddMemberDto {
  @ApiProperty({ example: 'Grace Hopper', minLength: 1, maxLength: 200 })
  // Checked bottom-up, stopping at the first failure: presence, then type, then content.
  @Length(1, 200, { message: 'name must be 1 to 200 characters' })
  @IsString({ message: 'name must be a string' })
  @Transform(trim)
  @IsDefined({ message: 'name is required' })
  name!: string;

  @ApiProperty({ example: 'grace@example.com' })
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(320, { message: 'email must be at most 320 characters' })
  @IsString({ message: 'email must be a string' })
  @Transform(trim)
  @IsDefined({ message: 'email is required' })
  email!: string;

  @ApiPropertyOptional({ enum: MEMBER_ROLES, default: 'agent' })
  @IsIn(MEMBER_ROLES, { message: `role must be one of: ${MEMBER_ROLES.join(', ')}` })
  @IsOptional()
  role?: MemberRole;
}

export class RegisterIntegrationDto {
  @ApiProperty({ example: 'Shop chat widget', minLength: 1, maxLength: 200 })
  // Checked bottom-up, stopping at the first failure: presence, then type, then content.
  @Length(1, 200, { message: 'name must be 1 to 200 characters' })
  @IsString({ message: 'name must be a string' })
  @Transform(trim)
  @IsDefined({ message: 'name is required' })
  name!: string;
}

export class MemberResponse {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: MEMBER_ROLES }) role!: MemberRole;
}

export class CreatedMemberResponse extends MemberResponse {
  @ApiProperty({ description: 'Shown once, now: only its hash is kept' }) token!: string;
}

export class CreatedIntegrationResponse {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Shown once, now: only its hash is kept' }) token!: string;
}
