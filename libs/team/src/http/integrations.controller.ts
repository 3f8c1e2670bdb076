import { Body, Controller, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Projector } from '@team-inbox/projections';
import { AllowedRoles, CurrentPrincipal } from '../auth/access.decorators';
import { requestContext } from '../auth/request-context';
import type { Principal } from '../principal';
import { RegisterIntegrationCommand } from '../team.commands';
import { READ_YOUR_WRITES_MS, settle } from './members.controller';
import { CreatedIntegrationResponse, RegisterIntegrationDto } from './team.dto';

@ApiTags('team')
@ApiBearerAuth()
@Controller('integrations')
export class IntegrationsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly projector: Projector,
  ) {}

  @Post()
  @AllowedRoles('admin')
  @ApiResponse({ status: 201, type: CreatedIntegrationResponse })
  async register(
    @Body() body: RegisterIntegrationDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: { headers: Record<string, string | string[] | undefined> },
  ): Promise<CreatedIntegrationResponse> {
    const { integration, token, position } = await this.commandBus.execute(
      new RegisterIntegrationCommand(body.name, requestContext(principal, request)),
    );
    await settle(this.projector.waitFor(position, READ_YOUR_WRITES_MS), 'the token may not work for a moment');
    return { ...integration, token };
  }
}
