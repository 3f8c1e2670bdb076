import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Query,
  Req,
  Res,
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
import type { FastifyReply } from 'fastify';
import { ProcessManagers, ProjectionProgress } from '@team-inbox/projections';
import { AllowedRoles, CurrentPrincipal } from '@team-inbox/platform';
import { requestContext } from '@team-inbox/platform';
import { IdempotentPost } from '@team-inbox/platform';
import type { Principal } from '@team-inbox/platform';
import { AddMemberCommand, RemoveMemberCommand } from '../team.commands';
import type { MemberPageKey } from '../team-directory';
import { ListMembersQuery } from '../team.queries';
import {
  AddMemberDto,
  CreatedMemberResponse,
  DEFAULT_MEMBERS_PER_PAGE,
  MemberResponse,
  MembersPageDto,
} from './team.dto';

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
    private readonly queryBus: QueryBus,
    private readonly projector: ProjectionProgress,
    private readonly processManagers: ProcessManagers,
  ) {}

  @IdempotentPost()
  @AllowedRoles('admin')
  @ApiOperation({ summary: 'Add a team member; its token is shown once, in this answer' })
  @ApiResponse({ status: 201, type: CreatedMemberResponse, description: 'The member, with its token' })
  @ApiConflictResponse({
    description:
      'An active member already has this email (case-insensitive), or the request is a replay through ' +
      '`Idempotency-Key`: the token was shown once and is kept nowhere',
  })
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

  /** A page of the active members by name; where more follow, the headers say how to ask for them. */
  @Get()
  @AllowedRoles('admin', 'agent', 'auditor')
  @ApiOperation({ summary: 'The active members, by name, a page at a time' })
  @ApiBadRequestResponse({ description: 'A malformed `limit`, or a `cursor` this server did not give out' })
  @ApiResponse({
    status: 200,
    type: [MemberResponse],
    description:
      'Where more members follow, `X-Next-Cursor` is the `cursor` that asks for them and `Link` names that ' +
      'page (rel="next"); the last page has neither',
    headers: {
      'X-Next-Cursor': { description: 'The cursor of the next page', schema: { type: 'string' } },
      Link: { description: '`</members?limit=…&cursor=…>; rel="next"`', schema: { type: 'string' } },
    },
  })
  async list(
    @Query() query: MembersPageDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MemberResponse[]> {
    const limit = query.limit ?? DEFAULT_MEMBERS_PER_PAGE;
    const after = query.cursor === undefined ? undefined : decodeMemberCursor(query.cursor);
    const { members, nextAfter } = await this.queryBus.execute(new ListMembersQuery(limit, after));
    if (nextAfter) {
      const cursor = encodeMemberCursor(nextAfter);
      void reply.header('x-next-cursor', cursor);
      void reply.header('link', `</members?limit=${limit}&cursor=${cursor}>; rel="next"`);
    }
    return members;
  }

  @Delete(':id')
  @HttpCode(204)
  @AllowedRoles('admin')
  @ApiOperation({
    summary: 'Remove a member: its token stops working, its conversations go back to the unassigned queue',
  })
  @ApiNoContentResponse({ description: 'Removed: its token is dead and its conversations are unassigned' })
  @ApiBadRequestResponse({ description: 'A malformed member id, or a body with fields' })
  @ApiNotFoundResponse({ description: 'No active member with this id' })
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

/** A page's last member as the client holds it: opaque, and safe in a URL as it is. */
function encodeMemberCursor(member: MemberPageKey): string {
  return Buffer.from(JSON.stringify([member.name, member.id]), 'utf8').toString('base64url');
}

function decodeMemberCursor(cursor: string): MemberPageKey {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === 2 && decoded.every((part) => typeof part === 'string')) {
      return { name: decoded[0], id: decoded[1] };
    }
  } catch {
    // reported below
  }
  throw new BadRequestException('cursor is not one this server gave out: pass X-Next-Cursor from the previous page');
}
