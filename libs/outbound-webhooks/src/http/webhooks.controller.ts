import {
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
import { CommandBus, QueryBus } from '@nestjs/cqrs';
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
import { NoFieldsPipe } from '@team-inbox/platform';
import type { Position } from '@team-inbox/event-store';
import { READ_YOUR_WRITES_MS } from '@team-inbox/team';
import { AllowedRoles, CurrentPrincipal, IdempotentPost, requestContext, type Principal } from '@team-inbox/platform';
import type { Delivery, Webhook } from '../delivery/outbox';
import { WebhookDispatcher } from '../delivery/webhook-dispatcher';
import { RegisterWebhookCommand, RemoveWebhookCommand } from '../webhook.commands';
import { GetWebhookQuery, ListDeliveriesQuery, ListWebhooksQuery, RedeliverCommand } from '../webhook.queries';
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
    private readonly queryBus: QueryBus,
    private readonly dispatcher: WebhookDispatcher,
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
  async list(): Promise<WebhookResponse[]> {
    return (await this.queryBus.execute(new ListWebhooksQuery())).map(toResponse);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook' })
  @ApiResponse({ status: 200, type: WebhookResponse })
  @ApiBadRequestResponse({ description: 'A malformed webhook id' })
  @ApiNotFoundResponse({ description: 'No webhook with this id' })
  async get(@Param('id', uuid) id: string): Promise<WebhookResponse> {
    return toResponse(await this.queryBus.execute(new GetWebhookQuery(id)));
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
  async deliveries(
    @Param('id', uuid) id: string,
    @QueryParams() query: ListDeliveriesDto,
  ): Promise<DeliveriesPageResponse> {
    const { deliveries, nextBeforeSeq } = await this.queryBus.execute(
      new ListDeliveriesQuery(id, {
        status: query.status,
        limit: query.limit ?? DEFAULT_DELIVERIES_PAGE,
        beforeSeq: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
      }),
    );
    return {
      items: deliveries.map(toDeliveryResponse),
      nextCursor: nextBeforeSeq === undefined ? null : encodeCursor(nextBeforeSeq),
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
  async redeliver(
    @Param('id', uuid) id: string,
    @Param('deliveryId', uuid) deliveryId: string,
    @Body(NoFieldsPipe) _: undefined,
  ): Promise<DeliveryResponse> {
    return toDeliveryResponse(await this.commandBus.execute(new RedeliverCommand(id, deliveryId)));
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
