import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { CLOCK, SYSTEM_CLOCK, type Clock } from '@team-inbox/core';
import { AuthGuard } from './auth/auth.guard';
import { AuthThrottle, type AuthThrottleOptions } from './auth/auth-throttle';
import { BOOTSTRAP_ADMIN_TOKEN_HASH, resolveBootstrapAdminTokenHash } from './bootstrap-admin';
import { IntegrationsController } from './http/integrations.controller';
import { MeController } from './http/me.controller';
import { MembersController } from './http/members.controller';
import { TEAM_COMMAND_HANDLERS } from './team.commands';
import { SecretBox, resolveSecretBox } from './secrets/secret-box';
import { TeamDirectory } from './team-directory';

/** Members, integrations and their tokens; the guard every route passes. */
@Module({})
export class TeamModule {
  static forRoot(options: {
    adminToken: string | undefined;
    secretsKey: Buffer | undefined;
    dataDir: string;
    authThrottle: AuthThrottleOptions;
    /** The time every expiry is measured by (tests set it); the system's when omitted. */
    clock?: Clock;
  }): DynamicModule {
    return {
      module: TeamModule,
      global: true,
      imports: [CqrsModule],
      controllers: [MembersController, IntegrationsController, MeController],
      providers: [
        ...TEAM_COMMAND_HANDLERS,
        TeamDirectory,
        {
          provide: BOOTSTRAP_ADMIN_TOKEN_HASH,
          useFactory: () => resolveBootstrapAdminTokenHash(options.adminToken, options.dataDir),
        },
        { provide: SecretBox, useFactory: () => resolveSecretBox(options.secretsKey, options.dataDir) },
        { provide: AuthThrottle, useFactory: () => new AuthThrottle(options.authThrottle) },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: CLOCK, useValue: options.clock ?? SYSTEM_CLOCK },
      ],
      exports: [TeamDirectory, SecretBox, CLOCK],
    };
  }
}
