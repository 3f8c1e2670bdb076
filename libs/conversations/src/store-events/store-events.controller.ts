/** API.md's `POST /store-events`: a store's event on the customer's conversation. */
import { Body, Controller, HttpCode, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiResponse, ApiTags } from '@nestjs/swagger';
import { positionToString } from '@team-inbox/event-store';
import { AllowedRoles, CurrentPrincipal, IdempotentPost, requestContext, type Principal } from '@team-inbox/platform';
import { RecordStoreEventCommand, type StoreEventOutcome } from './record-store-event.command';
import { StoreEventAcceptedResponse, StoreEventDto } from './store-events.dto';

@ApiTags('store events')
@ApiBearerAuth()
@ApiHeader({ name: 'Idempotency-Key', required: false, description: '1 to 200 printable characters' })
@Controller('store-events')
export class StoreEventsController {
  constructor(private readonly commandBus: CommandBus) {}

  @IdempotentPost()
  @HttpCode(202)
  @AllowedRoles('integration')
  @ApiResponse({ status: 202, type: StoreEventAcceptedResponse })
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
        },
        requestContext(principal, request),
      ),
    );
    return { ...outcome, position: positionToString(outcome.position) };
  }
}
