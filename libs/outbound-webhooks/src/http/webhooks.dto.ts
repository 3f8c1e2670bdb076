import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  MaxLength,
  Min,
  ValidateBy,
} from 'class-validator';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../domain/webhook.events';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../delivery/outbox';
import { trimString } from '@team-inbox/core';

export const MAX_URL_LENGTH = 2000;
export const DEFAULT_DELIVERIES_PAGE = 50;
export const MAX_DELIVERIES_PAGE = 200;

export class RegisterWebhookDto {
  @ApiProperty({ example: 'https://crm.example.com/hooks/team-inbox', maxLength: MAX_URL_LENGTH })
  // Checked bottom-up, stopping at the first failure: presence, then type, then content.
  // isURL passes some hosts no URL parser takes (a lone surrogate, a bidi control): no request could ever be sent to them.
  // Credentials in the URL would be kept in the log and shown by GET /webhooks: receivers check the signature.
  @ValidateBy(
    {
      name: 'urlWithoutCredentials',
      validator: { validate: (value) => typeof value === 'string' && withoutCredentials(value) },
    },
    {
      message:
        'url must not carry a user name or password: the receiver authenticates deliveries by their webhook-signature header',
    },
  )
  @ValidateBy(
    {
      name: 'canParseUrl',
      validator: { validate: (value) => typeof value === 'string' && URL.canParse(value) },
    },
    { message: 'url must be an absolute http or https URL' },
  )
  @IsUrl(
    // No TLD needed: receivers inside the network (http://crm.internal:8080, http://10.0.0.5) are common.
    { protocols: ['http', 'https'], require_protocol: true, require_valid_protocol: true, require_tld: false },
    { message: 'url must be an absolute http or https URL' },
  )
  @MaxLength(MAX_URL_LENGTH, { message: `url must be at most ${MAX_URL_LENGTH} characters` })
  @IsString({ message: 'url must be a string' })
  @Transform(trimString)
  @IsDefined({ message: 'url is required' })
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true, example: ['conversation.assigned'] })
  @IsIn(WEBHOOK_EVENT_TYPES, {
    each: true,
    message: `eventTypes must each be one of: ${WEBHOOK_EVENT_TYPES.join(', ')}`,
  })
  @ArrayUnique({ message: 'eventTypes must not name an event type twice' })
  @ArrayNotEmpty({ message: 'eventTypes must name at least one event type' })
  @IsArray({ message: 'eventTypes must be an array of event types' })
  @IsDefined({ message: 'eventTypes is required' })
  eventTypes!: WebhookEventType[];

  @ApiPropertyOptional({ example: 'CRM sync', maxLength: 500 })
  @MaxLength(500, { message: 'description must be at most 500 characters' })
  @IsString({ message: 'description must be a string' })
  @Transform(trimString)
  @IsOptional()
  description?: string;
}

export class ListDeliveriesDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsIn(DELIVERY_STATUSES, { message: `status must be one of: ${DELIVERY_STATUSES.join(', ')}` })
  @IsOptional()
  status?: DeliveryStatus;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_DELIVERIES_PAGE, default: DEFAULT_DELIVERIES_PAGE })
  @Max(MAX_DELIVERIES_PAGE, { message: `limit must be from 1 to ${MAX_DELIVERIES_PAGE}` })
  @Min(1, { message: `limit must be from 1 to ${MAX_DELIVERIES_PAGE}` })
  @IsInt({ message: `limit must be a whole number from 1 to ${MAX_DELIVERIES_PAGE}` })
  @Type(() => Number)
  @IsOptional()
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @MaxLength(100, { message: 'cursor is too long to be one this server gave out' })
  @IsString({ message: 'cursor must be a string' })
  @IsOptional()
  cursor?: string;
}

export class WebhookResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true }) eventTypes!: WebhookEventType[];
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class CreatedWebhookResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true }) eventTypes!: WebhookEventType[];
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'Signs every delivery (Standard Webhooks). Shown once, now: it is kept only sealed',
  })
  secret!: string;
}

export class DeliveryResponse {
  @ApiProperty({ format: 'uuid', description: 'Also the webhook-id header: the same on every attempt' }) id!: string;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES }) eventType!: WebhookEventType;
  @ApiProperty({ format: 'uuid' }) conversationId!: string;
  @ApiProperty({ description: 'The event’s log position (decimal string)' }) position!: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status!: DeliveryStatus;
  @ApiProperty({ type: 'integer', minimum: 0 }) attempts!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastAttemptAt!: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) lastStatusCode!: number | null;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) nextAttemptAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveredAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class DeliveriesPageResponse {
  @ApiProperty({ type: [DeliveryResponse] }) items!: DeliveryResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

function withoutCredentials(url: string): boolean {
  const parsed = URL.parse(url);
  return parsed === null || (parsed.username === '' && parsed.password === '');
}
