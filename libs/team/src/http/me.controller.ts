/** `GET /me`: who a token stands for, so that a client (the web UI) can greet and act as that member. */
import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AllowedRoles, CurrentPrincipal } from '@team-inbox/platform';
import type { Principal } from '@team-inbox/platform';

export class MeResponse {
  @ApiProperty({ description: 'The member or integration id (the bootstrap admin: "bootstrap-admin")' }) id!: string;
  @ApiProperty({ enum: ['member', 'integration', 'admin'] }) type!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['admin', 'agent', 'auditor', 'integration'] }) role!: string;
}

@ApiTags('team')
@ApiBearerAuth()
@Controller('me')
export class MeController {
  @Get()
  @AllowedRoles('admin', 'agent', 'auditor', 'integration')
  @ApiOperation({ summary: 'Who the token stands for' })
  @ApiResponse({ status: 200, type: MeResponse })
  me(@CurrentPrincipal() principal: Principal): MeResponse {
    return { id: principal.actor.id, type: principal.actor.type, name: principal.name, role: principal.role };
  }
}
