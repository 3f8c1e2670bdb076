/** API.md's `POST /store-events`: a store's event on the customer's conversation. */
import { Body, Controller, HttpCode, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { positionToString } from '@team-inbox/event-store';
import { AllowedRoles, CurrentPrincipal, IdempotentPost, requestContext, type Principal } from '@team-inbox/platform';
import { RecordStoreEventCommand, type StoreEventOutcome } from './record-store-event.command';
import type { StoreEventDetails } from '../domain/conversation.events';
import { StoreEventAcceptedResponse, StoreEventDto, type StoreEventDetailsDto } from './store-events.dto';

@ApiTags('store events')
@ApiBearerAuth()
@Controller('store-events')
export class StoreEventsController {
  constructor(private readonly commandBus: CommandBus) {}

  @IdempotentPost()
  @HttpCode(202)
  @AllowedRoles('integration')
  @ApiOperation({
    summary: "Put a store's event on the customer's conversation",
    description:
      "On `conversationId`, else on the customer's most recent conversation (by id, else by email). Where it " +
      'requires action, a closed conversation is reopened and a customer with none gets one. The same `id` ' +
      'again is a duplicate and changes nothing.',
  })
  @ApiResponse({
    status: 202,
    type: StoreEventAcceptedResponse,
    description: 'Accepted (or recognised as a duplicate): where it went',
  })
  @ApiNotFoundResponse({ description: "`conversationId` names no conversation of this integration's customers" })
  @ApiConflictResponse({ description: 'Other requests kept starting conversations for this customer: retry it' })
  async record(
    @Body() body: StoreEventDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: { headers: Record<string, string | string[] | undefined> },
  ): Promise<StoreEventAcceptedResponse> {
    const outcome: StoreEventOutcome = await this.commandBus.execute(
      new RecordStoreEventCommand(
        {
          integrationId: principal.actor.id,
          storeEventId: body.id,
          type: body.type,
          summary: body.summary,
          requiresAction: body.requiresAction,
          customer: { id: body.customer.id ?? null, email: body.customer.email ?? null, name: body.customer.name },
          conversationId: body.conversationId?.toLowerCase(),
          ...detailsOf(body.details),
        },
        requestContext(principal, request),
      ),
    );
    return { ...outcome, position: positionToString(outcome.position) };
  }
}

const DETAIL_TEXTS = ['orderNumber', 'total', 'currency', 'status', 'url'] as const;

/** The details as plain data, each field only where it was sent (null counts as not); none where none was. */
function detailsOf(dto: StoreEventDetailsDto | undefined): { details?: StoreEventDetails } {
  if (!dto) return {};
  const details: StoreEventDetails = {};
  for (const field of DETAIL_TEXTS) {
    const value = dto[field];
    if (typeof value === 'string') details[field] = value;
  }
  if (Array.isArray(dto.items)) details.items = dto.items.map(({ name, quantity }) => ({ name, quantity }));
  return Object.keys(details).length > 0 ? { details } : {};
}
