import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OptionalCustomerEmail, OptionalCustomerName } from '../http/conversations.dto';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { trimString } from '@team-inbox/core';
import { CURRENCY_CODE, DECIMAL_AMOUNT, STORE_EVENT_DETAILS_LIMITS, isHttpUrl } from './store-event-details';

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

const LIMITS = STORE_EVENT_DETAILS_LIMITS;

/** A number sent as a total is taken as its decimal text: totals are kept as text, exact. */
const numberAsText = ({ value }: { value: unknown }): unknown =>
  typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
const upperCase = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim().toUpperCase() : value;

export class StoreEventItemDto {
  @ApiProperty({ example: 'Blue scarf', minLength: 1, maxLength: LIMITS.itemNameCharacters })
  @Length(1, LIMITS.itemNameCharacters, { message: `name must be 1 to ${LIMITS.itemNameCharacters} characters` })
  @IsString({ message: 'name must be a string' })
  @Transform(trimString)
  @IsDefined({ message: 'name is required: the item as the shop names it' })
  name!: string;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: LIMITS.quantity, example: 2 })
  @Max(LIMITS.quantity, { message: `quantity must be at most ${LIMITS.quantity.toLocaleString('en-US')}` })
  @Min(0, { message: 'quantity must not be negative' })
  @IsInt({ message: 'quantity must be a whole number' })
  @IsDefined({ message: 'quantity is required: how many were ordered' })
  quantity!: number;
}

/** What the event says of its order: each field optional, shown beside the conversation and searched. */
export class StoreEventDetailsDto {
  @ApiPropertyOptional({ example: '#1001', maxLength: LIMITS.orderNumberCharacters })
  @Length(1, LIMITS.orderNumberCharacters, {
    message: `orderNumber must be 1 to ${LIMITS.orderNumberCharacters} characters`,
  })
  @IsString({ message: 'orderNumber must be a string, e.g. "#1001"' })
  @Transform(trimString)
  @IsOptional()
  orderNumber?: string;

  @ApiPropertyOptional({
    type: String,
    pattern: DECIMAL_AMOUNT.source,
    example: '59.00',
    description: 'A decimal amount, kept as text; a JSON number is taken as its decimal text',
  })
  @Matches(DECIMAL_AMOUNT, { message: 'total must be a decimal amount, e.g. "59.00"' })
  @IsString({ message: 'total must be a decimal amount, e.g. "59.00"' })
  @Transform(numberAsText)
  @IsOptional()
  total?: string;

  @ApiPropertyOptional({ example: 'EUR', pattern: CURRENCY_CODE.source, description: 'ISO 4217, upper-cased' })
  @Matches(CURRENCY_CODE, { message: 'currency must be a three-letter ISO 4217 code, e.g. "EUR"' })
  @IsString({ message: 'currency must be a three-letter ISO 4217 code, e.g. "EUR"' })
  @Transform(upperCase)
  @IsOptional()
  currency?: string;

  @ApiPropertyOptional({ example: 'paid, unfulfilled', maxLength: LIMITS.statusCharacters })
  @Length(1, LIMITS.statusCharacters, { message: `status must be 1 to ${LIMITS.statusCharacters} characters` })
  @IsString({ message: 'status must be a string' })
  @Transform(trimString)
  @IsOptional()
  status?: string;

  @ApiPropertyOptional({
    format: 'uri',
    maxLength: LIMITS.urlCharacters,
    example: 'https://shop.example.com/admin/orders/1001',
    description: 'The order in the shop: an absolute http or https URL',
  })
  @ValidateBy(
    { name: 'isHttpUrl', validator: { validate: (value) => typeof value === 'string' && isHttpUrl(value) } },
    { message: `url must be an absolute http or https URL of at most ${LIMITS.urlCharacters} characters` },
  )
  @IsString({ message: 'url must be a string' })
  @Transform(trimString)
  @IsOptional()
  url?: string;

  @ApiPropertyOptional({ type: [StoreEventItemDto], maxItems: LIMITS.items, description: 'The order’s lines' })
  @ValidateNested({ each: true })
  @Type(() => StoreEventItemDto)
  @IsObject({ each: true, message: 'items must each be an object: {name, quantity}' })
  @ArrayMaxSize(LIMITS.items, { message: `items must hold at most ${LIMITS.items} lines` })
  @IsArray({ message: 'items must be an array of {name, quantity}' })
  @IsOptional()
  items?: StoreEventItemDto[];
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

  @ApiPropertyOptional({
    type: StoreEventDetailsDto,
    description: "The order's number, total, currency, status, link and lines: on the timeline and searched",
  })
  @ValidateNested()
  @Type(() => StoreEventDetailsDto)
  @IsObject({ message: 'details must be an object: {orderNumber?, total?, currency?, status?, url?, items?}' })
  @IsOptional()
  details?: StoreEventDetailsDto;
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
