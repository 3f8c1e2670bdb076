import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Req,
  ServiceUnavailableException,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { NoFieldsPipe } from '@team-inbox/core';
import { ProcessManagers, ProjectionProgress } from '@team-inbox/projections';
import { AllowedRoles, CurrentPrincipal } from '../auth/access.decorators';
import { requestContext } from '../auth/request-context';
import { IdempotentPost } from '../idempotency/idempotency';
import type { Principal } from '../principal';
import { AddMemberCommand, RemoveMemberCommand } from '../team.commands';
import { TeamDirectory } from '../team-directory';
import { AddMemberDto, CreatedMemberResponse, MemberResponse } from './team.dto';

/** How long a team command waits for the read models (and process managers) to show its effect. */
export const READ_YOUR_WRITES_MS = 2000;

type HttpRequest = { headers: Record<string, string | string[] | undefined> };

/**
 * The command is committed; where its effect is not visible within the wait, say so (503) rather than
 * answer as if it were.
 */
export async function settle(reached: Promise<boolean>, consequence: string): Promise<void> {
  if (!(await reached)) {
    throw new ServiceUnavailableException(`Done and recorded, but the read models are behind: ${consequence}`);
  }
}

@ApiTags('team')
@ApiBearerAuth()
@Controller('members')
export class MembersController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly directory: TeamDirectory,
    private readonly projector: ProjectionProgress,
    private readonly processManagers: ProcessManagers,
  ) {}

  @IdempotentPost()
  @AllowedRoles('admin')
  @ApiResponse({ status: 201, type: CreatedMemberResponse })
  async add(
    @Body() body: AddMemberDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: HttpRequest,
  ): Promise<CreatedMemberResponse> {
    const { member, token, position } = await this.commandBus.execute(
      new AddMemberCommand(body.name, body.email, body.role ?? 'agent', requestContext(principal, request)),
    );
    // The token must work as soon as it is handed out.
    await settle(this.projector.waitFor(position, READ_YOUR_WRITES_MS), 'the token may not work for a moment');
    return { ...member, token };
  }

  @Get()
  @AllowedRoles('admin', 'agent', 'auditor')
  @ApiResponse({ status: 200, type: [MemberResponse] })
  list(): MemberResponse[] {
    return this.directory.activeMembers();
  }

  @Delete(':id')
  @HttpCode(204)
  @AllowedRoles('admin')
  async remove(
    @Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 400 })) id: string,
    @Body(NoFieldsPipe) _: undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() request: HttpRequest,
  ): Promise<void> {
    const { position } = await this.commandBus.execute(new RemoveMemberCommand(id, requestContext(principal, request)));
    // Answer once the token is dead and the member's conversations are back in the unassigned queue.
    await settle(this.projector.waitFor(position, READ_YOUR_WRITES_MS), 'the token still works for a moment');
    await settle(
      this.processManagers.waitForAll(position, READ_YOUR_WRITES_MS),
      'its conversations return to the unassigned queue shortly',
    );
  }
}
