import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { MEMBER_ROLES, type MemberRole } from '../domain/team.events';
import { trimString } from '@team-inbox/core';
import { EmailAddress } from '@team-inbox/platform';

export class AddMemberDto {
  @ApiProperty({ example: 'Grace Hopper', minLength: 1, maxLength: 200 })
  // Checked bottom-up, stopping at the first failure: presence, then type, then content.
  @Length(1, 200, { message: 'name must be 1 to 200 characters' })
  @IsString({ message: 'name must be a string' })
  @Transform(trimString)
  @IsDefined({ message: 'name is required' })
  name!: string;

  @ApiProperty({ example: 'grace@example.com' })
  @EmailAddress('email must be an email address')
  @MaxLength(320, { message: 'email must be at most 320 characters' })
  @IsString({ message: 'email must be a string' })
  @Transform(trimString)
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
  @Transform(trimString)
  @IsDefined({ message: 'name is required' })
  name!: string;
}

export const DEFAULT_MEMBERS_PER_PAGE = 100;
export const MAX_MEMBERS_PER_PAGE = 200;

export class MembersPageDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_MEMBERS_PER_PAGE, default: DEFAULT_MEMBERS_PER_PAGE })
  @Max(MAX_MEMBERS_PER_PAGE, { message: `limit must be from 1 to ${MAX_MEMBERS_PER_PAGE}` })
  @Min(1, { message: `limit must be from 1 to ${MAX_MEMBERS_PER_PAGE}` })
  @IsInt({ message: `limit must be a whole number from 1 to ${MAX_MEMBERS_PER_PAGE}` })
  @Type(() => Number)
  @IsOptional()
  limit?: number;

  @ApiPropertyOptional({
    description: 'The `X-Next-Cursor` header of the previous page (its `Link` rel="next" carries it too)',
  })
  @MaxLength(1000, { message: 'cursor is too long to be one this server gave out' })
  @IsString({ message: 'cursor must be a string' })
  @IsOptional()
  cursor?: string;
}

export class MemberResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'email' }) email!: string;
  @ApiProperty({ enum: MEMBER_ROLES }) role!: MemberRole;
}

export class CreatedMemberResponse extends MemberResponse {
  @ApiProperty({ description: 'Shown once, now: only its hash is kept' }) token!: string;
}

export class CreatedIntegrationResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Shown once, now: only its hash is kept' }) token!: string;
}

export const DEFAULT_KEEP_PREVIOUS_SECRET_HOURS = 24;

export class SetWebhookSecretDto {
  @ApiProperty({
    description:
      "The shop's webhook signing secret (Shopify: the app's client secret; WooCommerce: the webhook's secret)",
    minLength: 8,
    maxLength: 512,
  })
  @Matches(/^[\x21-\x7e]{8,512}$/, { message: 'secret must be 8 to 512 printable characters without spaces' })
  @IsString({ message: 'secret must be a string' })
  @IsDefined({ message: 'secret is required: the secret the shop signs its webhooks with' })
  secret!: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description:
      'The shop its webhooks must come from: Shopify X-Shopify-Shop-Domain, WooCommerce X-WC-Webhook-Source host ' +
      '(left out: the shop set before stays; null: none)',
    example: 'my-shop.myshopify.com',
  })
  @Matches(/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$/, {
    message: 'shopDomain must be a host name such as my-shop.myshopify.com (no scheme, no path)',
  })
  @IsString({ message: 'shopDomain must be a string, or null for none' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  // Left out, the shop set before stays; null removes it.
  @IsOptional()
  shopDomain?: string | null;

  @ApiPropertyOptional({
    description: 'How long the secret this replaces is still accepted, for a rotation',
    default: DEFAULT_KEEP_PREVIOUS_SECRET_HOURS,
    minimum: 0,
    maximum: 720,
  })
  @Max(720, { message: 'keepPreviousSecretForHours must be a whole number from 0 to 720' })
  @Min(0, { message: 'keepPreviousSecretForHours must be a whole number from 0 to 720' })
  @IsInt({ message: 'keepPreviousSecretForHours must be a whole number from 0 to 720' })
  @IsOptional()
  keepPreviousSecretForHours?: number;
}

export class IntegrationResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) shopDomain!: string | null;
  @ApiProperty({ description: 'Whether a webhook secret is set; the secret itself is never shown' })
  hasWebhookSecret!: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'Until when the replaced secret is still accepted',
  })
  previousSecretAcceptedUntil!: string | null;
}
