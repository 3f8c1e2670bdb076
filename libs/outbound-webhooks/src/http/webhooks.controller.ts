import {
  Inject,
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Query as QueryParams,
  Req,
  ServiceUnavailableException,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ConflictError, NotFoundError } from '@team-inbox/core';
import { NoFieldsPipe } from '@team-inbox/platform';
import type { Position } from '@team-inbox/event-store';
import { READ_YOUR_WRITES_MS } from '@team-inbox/team';
import { AllowedRoles, CurrentPrincipal, IdempotentPost, requestContext, type Principal } from '@team-inbox/platform';
import { Outbox, type Delivery, type Webhook } from '../delivery/outbox';
import { WebhookDispatcher } from '../delivery/webhook-dispatcher';
import { WebhookSender } from '../delivery/webhook-sender';
import { OUTBOUND_WEBHOOKS_CONFIG, type OutboundWebhooksConfig } from '../outbound-webhooks.config';
import { RegisterWebhookCommand, RemoveWebhookCommand } from '../webhook.commands';
import {
  CreatedWebhookResponse,
  DEFAULT_DELIVERIES_PAGE,
  DeliveriesPageResponse,
  DeliveryResponse,
  ListDeliveriesDto,
  RegisterWebhookDto,
  WebhookResponse,
} from './webhooks.dto';

type HttpRequest = { headers: Record<string, string | string[] | undefined> };

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 400 });

@ApiTags('webhooks')
@ApiBearerAuth()
@AllowedRoles('admin')
@Controller('webhooks')
export class WebhooksController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly outbox: Outbox,
    private readonly dispatcher: WebhookDispatcher,
    private readonly sender: WebhookSender,
    @Inject(OUTBOUND_WEBHOOKS_CONFIG) private readonly config: OutboundWebhooksConfig,
  ) {}

  @IdempotentPost()
  @ApiOperation({ summary: 'Register a receiver of events; its signing secret is shown once, in this answer' })
  @ApiResponse({ status: 201, type: CreatedWebhookResponse, description: 'The webhook, with its signing secret' })
  @ApiConflictResponse({
    description: 'A replay through `Idempotency-Key`: the secret was shown once and is kept only sealed',
  })
  async register(
    @Body() body: RegisterWebhookDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: HttpRequest,
  ): Promise<CreatedWebhookResponse> {
    const { webhook, secret, position } = await this.commandBus.execute(
      new RegisterWebhookCommand(
        body.url,
        body.eventTypes,
        body.description ?? null,
        requestContext(principal, request),
      ),
    );
    // An event appended right after this answer must reach the new webhook.
    await this.settle(position, 'events of the next moments may not be delivered to it');
    return { ...webhook, secret };
  }

  @Get()
  @ApiOperation({ summary: 'The registered webhooks' })
  @ApiResponse({ status: 200, type: [WebhookResponse] })
  list(): WebhookResponse[] {
    return this.outbox.activeWebhooks().map(toResponse);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook' })
  @ApiResponse({ status: 200, type: WebhookResponse })
  @ApiBadRequestResponse({ description: 'A malformed webhook id' })
  @ApiNotFoundResponse({ description: 'No webhook with this id' })
  get(@Param('id', uuid) id: string): WebhookResponse {
    return toResponse(this.activeWebhook(id));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a webhook: once this answers, nothing more is queued for it' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiBadRequestResponse({ description: 'A malformed webhook id, or a body with fields' })
  @ApiNotFoundResponse({ description: 'No webhook with this id' })
  async remove(
    @Param('id', uuid) id: string,
    @Body(NoFieldsPipe) _: undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() request: HttpRequest,
  ): Promise<void> {
    const { position } = await this.commandBus.execute(
      new RemoveWebhookCommand(id, requestContext(principal, request)),
    );
    // Once DELETE answers, nothing more is queued for it.
    await this.settle(position, 'it may still be sent the events of the next moments');
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "A webhook's deliveries, newest first, a page at a time" })
  @ApiResponse({ status: 200, type: DeliveriesPageResponse })
  @ApiBadRequestResponse({ description: 'A malformed webhook id, `status`, `limit` or `cursor`' })
  @ApiNotFoundResponse({ description: 'No webhook with this id' })
  @ApiConflictResponse({
    description: 'This server does not send webhooks (OUTBOUND_WEBHOOKS=off): ask the one that does',
  })
  deliveries(@Param('id', uuid) id: string, @QueryParams() query: ListDeliveriesDto): DeliveriesPageResponse {
    this.activeWebhook(id);
    this.assertSending();
    const limit = query.limit ?? DEFAULT_DELIVERIES_PAGE;
    const rows = this.outbox.deliveries(id, {
      status: query.status,
      limit: limit + 1,
      beforeSeq: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
    });
    const page = rows.slice(0, limit);
    return {
      items: page.map(toDeliveryResponse),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].seq) : null,
    };
  }

  @IdempotentPost(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a failed delivery again' })
  @ApiResponse({ status: 202, type: DeliveryResponse, description: 'The delivery, queued again' })
  @ApiBadRequestResponse({ description: 'A malformed webhook or delivery id, or a body with fields' })
  @ApiNotFoundResponse({ description: 'No such webhook, or no such delivery of it' })
  @ApiConflictResponse({
    description: 'The delivery has not failed, or this server does not send webhooks (OUTBOUND_WEBHOOKS=off)',
  })
  redeliver(
    @Param('id', uuid) id: string,
    @Param('deliveryId', uuid) deliveryId: string,
    @Body(NoFieldsPipe) _: undefined,
  ): DeliveryResponse {
    this.activeWebhook(id);
    this.assertSending();
    const delivery = this.outbox.delivery(id, deliveryId);
    if (!delivery) throw new NotFoundError(`No delivery ${deliveryId} of webhook ${id}`);
    if (!this.outbox.redeliver(id, deliveryId, new Date())) {
      throw new ConflictError(
        `Delivery ${deliveryId} is ${delivery.status}: only a failed delivery can be redelivered`,
      );
    }
    this.sender.wake();
    return toDeliveryResponse(this.outbox.delivery(id, deliveryId) ?? delivery);
  }

  /** Deliveries live where they are sent: a server with sending off has none to show, and says so. */
  private assertSending(): void {
    if (this.config.enabled) return;
    throw new ConflictError(
      'This server does not send webhooks (OUTBOUND_WEBHOOKS=off): ask the server that sends them for its deliveries',
    );
  }

  private activeWebhook(id: string): Webhook {
    const webhook = this.outbox.webhook(id);
    if (!webhook || webhook.removed) throw new NotFoundError(`No webhook ${id}`);
    return webhook;
  }

  /** The command is committed; where the dispatcher has not taken it in within the wait, say so (503). */
  private async settle(position: Position, consequence: string): Promise<void> {
    if (!(await this.dispatcher.waitFor(position, READ_YOUR_WRITES_MS))) {
      throw new ServiceUnavailableException(`Done and recorded, but webhook dispatch is behind: ${consequence}`);
    }
  }
}

function toResponse({ id, url, eventTypes, description, createdAt }: Webhook): WebhookResponse {
  return { id, url, eventTypes, description, createdAt };
}

function toDeliveryResponse(delivery: Delivery): DeliveryResponse {
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    conversationId: delivery.conversationId,
    position: delivery.position,
    status: delivery.status,
    attempts: delivery.attempts,
    lastAttemptAt: delivery.lastAttemptAt,
    lastStatusCode: delivery.lastStatusCode,
    lastError: delivery.lastError,
    nextAttemptAt: delivery.nextAttemptAt === null ? null : new Date(delivery.nextAttemptAt).toISOString(),
    deliveredAt: delivery.deliveredAt,
    createdAt: delivery.createdAt,
  };
}

/** A keyset cursor: the outbox order of the last row of a page. */
function encodeCursor(seq: number): string {
  return Buffer.from(String(seq), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[1-9][0-9]{0,15}$/.test(text)) {
    throw new BadRequestException('cursor is not one this server gave out: pass nextCursor from the previous page');
  }
  return Number(text);
}
