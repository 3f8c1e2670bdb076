import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsDefined,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { trimString } from '@team-inbox/core';
import { EmailAddress } from '@team-inbox/platform';

/** API.md: a message body is 1 to 20,000 characters (longer is 413, as for a body over 1 MiB). */
export const MAX_MESSAGE_CHARACTERS = 20_000;

/** A customer's name, where the channel or store knows it. */
export const OptionalCustomerName = (description?: string) =>
  applyDecorators(
    ApiPropertyOptional({ example: 'Ada Lovelace', description }),
    MaxLength(200, { message: 'customer.name must be at most 200 characters' }),
    IsString({ message: 'customer.name must be a string' }),
    Transform(trimString),
    IsOptional(),
  );

/** A customer's email: how a customer is found across integrations. */
export const OptionalCustomerEmail = () =>
  applyDecorators(
    ApiPropertyOptional({ example: 'ada@example.com' }),
    EmailAddress('customer.email must be an email address'),
    MaxLength(320, { message: 'customer.email must be at most 320 characters' }),
    IsString({ message: 'customer.email must be a string' }),
    Transform(trimString),
    IsOptional(),
  );

export class CustomerDto {
  @ApiProperty({ description: "The customer's id in the channel or store", example: 'shopify-customer-7001' })
  @Length(1, 200, { message: 'customer.id must be 1 to 200 characters' })
  @IsString({ message: 'customer.id must be a string' })
  @IsDefined({ message: 'customer.id is required' })
  id!: string;

  @OptionalCustomerName()
  name?: string;

  @OptionalCustomerEmail()
  email?: string;
}

export class MessageBodyDto {
  @ApiProperty({ minLength: 1, maxLength: MAX_MESSAGE_CHARACTERS, example: 'Where is my order?' })
  // Checked bottom-up, stopping at the first failure: presence, then type, then length.
  @MinLength(1, { message: 'body must not be empty' })
  @IsString({ message: 'body must be a string' })
  @IsDefined({ message: 'body is required: the message text, 1 to 20,000 characters' })
  body!: string;
}

export class StartConversationDto extends MessageBodyDto {
  @ApiProperty({ type: CustomerDto })
  @ValidateNested()
  @Type(() => CustomerDto)
  @IsObject({ message: 'customer must be an object: {id, name?, email?}' })
  @IsDefined({ message: 'customer is required: {id, name?, email?}' })
  customer!: CustomerDto;

  @ApiPropertyOptional({ maxLength: 500, example: 'Order #1001' })
  @MaxLength(500, { message: 'subject must be at most 500 characters' })
  @IsString({ message: 'subject must be a string' })
  @Transform(trimString)
  @IsOptional()
  subject?: string;
}

export class AssignConversationDto {
  @ApiProperty({ description: 'An active member\'s id, or "me"', example: 'me' })
  @Matches(/^(me|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i, {
    message: 'assigneeId must be a member id (a UUID) or "me"',
  })
  @IsString({ message: 'assigneeId must be a string' })
  @IsDefined({ message: 'assigneeId is required: a member id or "me"' })
  assigneeId!: string;
}
