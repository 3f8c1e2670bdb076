import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OptionalCustomerEmail, OptionalCustomerName } from '../http/conversations.dto';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { trimString } from '@team-inbox/core';

export const MAX_STORE_EVENT_SUMMARY = 2_000;

export class StoreEventCustomerDto {
  @ApiPropertyOptional({ description: "The customer's id in the store", example: '115310627314723954' })
  @Length(1, 200, { message: 'customer.id must be 1 to 200 characters' })
  @IsString({ message: 'customer.id must be a string (send numeric ids as strings)' })
  // At least one of id and email: with neither, the message is about id.
  @ValidateIf((customer: StoreEventCustomerDto) => customer.id !== undefined || customer.email === undefined)
  @IsDefined({ message: 'customer needs an id or an email (or both): customer.id is missing' })
  id?: string;

  @OptionalCustomerEmail()
  email?: string;

  @OptionalCustomerName('Shown where the event starts a conversation')
  name?: string;
}

export class StoreEventDto {
  @ApiProperty({ description: "The integration's own id for this event: the same id again is a duplicate" })
  @Length(1, 200, { message: 'id must be 1 to 200 characters' })
  @IsString({ message: 'id must be a string' })
  @IsDefined({ message: "id is required: the integration's own id for this event" })
  id!: string;

  @ApiProperty({ example: 'order.created' })
  @Length(1, 100, { message: 'type must be 1 to 100 characters' })
  @IsString({ message: 'type must be a string' })
  @Transform(trimString)
  @IsDefined({ message: 'type is required, e.g. "order.created"' })
  type!: string;

  @ApiProperty({ type: StoreEventCustomerDto })
  @ValidateNested()
  @Type(() => StoreEventCustomerDto)
  @IsObject({ message: 'customer must be an object: {id?, email?}, with at least one of the two' })
  @IsDefined({ message: 'customer is required: {id?, email?}, with at least one of the two' })
  customer!: StoreEventCustomerDto;

  @ApiProperty({ description: 'True where the team must act: reopens a closed conversation, starts one where none' })
  @IsBoolean({ message: 'requiresAction must be true or false' })
  @IsDefined({ message: 'requiresAction is required: true or false' })
  requiresAction!: boolean;

  @ApiProperty({ example: 'Order #1001 placed: 2 items, 59.00 EUR; confirm and ship it' })
  @Length(1, MAX_STORE_EVENT_SUMMARY, { message: `summary must be 1 to ${MAX_STORE_EVENT_SUMMARY} characters` })
  @IsString({ message: 'summary must be a string' })
  @Transform(trimString)
  @IsDefined({ message: 'summary is required: a line for the timeline' })
  summary!: string;

  @ApiPropertyOptional({ description: 'The conversation to put it on; by default the customer’s most recent' })
  @IsUUID('all', { message: 'conversationId must be a conversation id (a UUID)' })
  @IsOptional()
  conversationId?: string;
}

export class StoreEventAcceptedResponse {
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The conversation it went on; null where the customer has no conversation and none was needed',
  })
  conversationId!: string | null;
  @ApiProperty({ description: 'Whether it reopened a closed conversation' }) reopened!: boolean;
  @ApiProperty({ description: 'Whether this `id` was posted before: nothing changed' }) duplicate!: boolean;
  @ApiProperty({ description: 'The log position to pass as minPosition', example: '1042' }) position!: string;
}
