import { Body, Controller, Get, Param, ParseUUIDPipe, Put, Req } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ProjectionProgress } from '@team-inbox/projections';
import { AllowedRoles, CurrentPrincipal } from '@team-inbox/platform';
import { requestContext } from '@team-inbox/platform';
import { IdempotentPost } from '@team-inbox/platform';
import type { Principal } from '@team-inbox/platform';
import { RegisterIntegrationCommand, SetIntegrationWebhookSecretCommand } from '../team.commands';
import { GetIntegrationQuery, ListIntegrationsQuery } from '../team.queries';
import { READ_YOUR_WRITES_MS, settle } from './members.controller';
import {
  CreatedIntegrationResponse,
  DEFAULT_KEEP_PREVIOUS_SECRET_HOURS,
  IntegrationResponse,
  RegisterIntegrationDto,
  SetWebhookSecretDto,
} from './team.dto';

type HttpRequest = { headers: Record<string, string | string[] | undefined> };
const HOUR_MS = 60 * 60 * 1000;

@ApiTags('team')
@ApiBearerAuth()
@Controller('integrations')
export class IntegrationsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly projector: ProjectionProgress,
    private readonly queryBus: QueryBus,
  ) {}

  @IdempotentPost()
  @AllowedRoles('admin')
  @ApiOperation({ summary: 'Register a channel or store; its token is shown once, in this answer' })
  @ApiResponse({ status: 201, type: CreatedIntegrationResponse, description: 'The integration, with its token' })
  @ApiConflictResponse({
    description: 'A replay through `Idempotency-Key`: the token was shown once and is kept nowhere',
  })
  async register(
    @Body() body: RegisterIntegrationDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: HttpRequest,
  ): Promise<CreatedIntegrationResponse> {
    const { integration, token, position } = await this.commandBus.execute(
      new RegisterIntegrationCommand(body.name, requestContext(principal, request)),
    );
    await settle(this.projector.waitFor(position, READ_YOUR_WRITES_MS), 'the token may not work for a moment');
    return { ...integration, token };
  }

  @Get()
  @AllowedRoles('admin')
  @ApiOperation({ summary: 'Every integration, its shop, and whether a webhook secret is set (never the secret)' })
  @ApiResponse({ status: 200, type: [IntegrationResponse] })
  list(): Promise<IntegrationResponse[]> {
    return this.queryBus.execute(new ListIntegrationsQuery());
  }

  /**
   * The secret a shop signs its webhooks with, and the shop they must come from (left out: the shop set
   * before stays; null: none). The secret it replaces stays accepted for `keepPreviousSecretForHours` (24
   * by default), so a shop mid-rotation is not refused.
   */
  @Put(':id/secret')
  @AllowedRoles('admin')
  @ApiOperation({ summary: "Set the secret a shop signs the integration's webhooks with, and the shop they come from" })
  @ApiResponse({ status: 200, type: IntegrationResponse, description: 'The integration (never the secret)' })
  @ApiBadRequestResponse({
    description: 'A malformed integration id, `secret`, `shopDomain` or `keepPreviousSecretForHours`',
  })
  @ApiNotFoundResponse({ description: 'No integration with this id' })
  async setWebhookSecret(
    @Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 400 })) integrationId: string,
    @Body() body: SetWebhookSecretDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: HttpRequest,
  ): Promise<IntegrationResponse> {
    const { position } = await this.commandBus.execute(
      new SetIntegrationWebhookSecretCommand(
        integrationId.toLowerCase(),
        body.secret,
        body.shopDomain,
        (body.keepPreviousSecretForHours ?? DEFAULT_KEEP_PREVIOUS_SECRET_HOURS) * HOUR_MS,
        requestContext(principal, request),
      ),
    );
    await settle(
      this.projector.waitFor(position, READ_YOUR_WRITES_MS),
      'webhooks may be checked against the former secret for a moment',
    );
    return this.queryBus.execute(new GetIntegrationQuery(integrationId));
  }
}
