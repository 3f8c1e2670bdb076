/** The team as its read models hold it, on the QueryBus: members a page at a time, integrations. */
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@team-inbox/core';
import { TeamDirectory, type IntegrationView, type MemberPageKey, type MemberView } from './team-directory';

export interface MembersPage {
  members: MemberView[];
  /** Where more members follow: the last one of this page, which the next page starts after. */
  nextAfter: MemberPageKey | undefined;
}

/** Active members by name, `limit` of them, after `after` (a page's last member) where given. */
export class ListMembersQuery extends Query<MembersPage> {
  constructor(
    readonly limit: number,
    readonly after: MemberPageKey | undefined,
  ) {
    super();
  }
}

/** Every integration, its shop, and whether a webhook secret is set (never the secret). */
export class ListIntegrationsQuery extends Query<IntegrationView[]> {}

/** One integration; `404` where there is none with this id. */
export class GetIntegrationQuery extends Query<IntegrationView> {
  constructor(readonly integrationId: string) {
    super();
  }
}

@QueryHandler(ListMembersQuery)
export class ListMembersHandler implements IQueryHandler<ListMembersQuery> {
  constructor(private readonly directory: TeamDirectory) {}

  execute({ limit, after }: ListMembersQuery): Promise<MembersPage> {
    // One more than the page: whether another page follows, without a page that turns out empty.
    const members = this.directory.activeMembersPage(limit + 1, after);
    if (members.length <= limit) return Promise.resolve({ members, nextAfter: undefined });
    members.length = limit;
    return Promise.resolve({ members, nextAfter: members[limit - 1] });
  }
}

@QueryHandler(ListIntegrationsQuery)
export class ListIntegrationsHandler implements IQueryHandler<ListIntegrationsQuery> {
  constructor(private readonly directory: TeamDirectory) {}

  execute(): Promise<IntegrationView[]> {
    return Promise.resolve(this.directory.integrations());
  }
}

@QueryHandler(GetIntegrationQuery)
export class GetIntegrationHandler implements IQueryHandler<GetIntegrationQuery> {
  constructor(private readonly directory: TeamDirectory) {}

  execute({ integrationId }: GetIntegrationQuery): Promise<IntegrationView> {
    const id = integrationId.toLowerCase();
    const integration = this.directory.integrations().find((candidate) => candidate.id === id);
    if (!integration) throw new NotFoundError(`No integration ${integrationId}`);
    return Promise.resolve(integration);
  }
}

export const TEAM_QUERY_HANDLERS = [ListMembersHandler, ListIntegrationsHandler, GetIntegrationHandler];
