import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TokenAuthenticator } from '@team-inbox/platform';
import { BOOTSTRAP_ADMIN_TOKEN_HASH, resolveBootstrapAdminTokenHash } from './bootstrap-admin';
import { IntegrationsController } from './http/integrations.controller';
import { MeController } from './http/me.controller';
import { MembersController } from './http/members.controller';
import { TEAM_COMMAND_HANDLERS } from './team.commands';
import { TEAM_QUERY_HANDLERS } from './team.queries';
import { TeamDirectory } from './team-directory';

/** Members, integrations and their tokens: who each token the guard is shown stands for. */
@Module({})
export class TeamModule {
  static forRoot(options: { adminToken: string | undefined; dataDir: string }): DynamicModule {
    return {
      module: TeamModule,
      global: true,
      imports: [CqrsModule],
      controllers: [MembersController, IntegrationsController, MeController],
      providers: [
        ...TEAM_COMMAND_HANDLERS,
        ...TEAM_QUERY_HANDLERS,
        TeamDirectory,
        { provide: TokenAuthenticator, useExisting: TeamDirectory },
        {
          provide: BOOTSTRAP_ADMIN_TOKEN_HASH,
          useFactory: () => resolveBootstrapAdminTokenHash(options.adminToken, options.dataDir),
        },
      ],
      exports: [TeamDirectory, TokenAuthenticator],
    };
  }
}
