import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CLOCK, SYSTEM_CLOCK, type Clock } from '@team-inbox/core';
import { AuthGuard } from './auth/auth.guard';
import { AuthThrottle, type AuthThrottleOptions } from './auth/auth-throttle';
import { SecretBox, resolveSecretBox } from './secrets/secret-box';

/**
 * What every feature stands on: the guard every route passes (its tokens answered by whichever feature
 * provides `TokenAuthenticator`), the throttle of failed guesses, the box secrets are sealed in, the clock.
 */
@Module({})
export class PlatformModule {
  static forRoot(options: {
    secretsKey: Buffer | undefined;
    dataDir: string;
    authThrottle: AuthThrottleOptions;
    /** The time every expiry is measured by (tests set it); the system's when omitted. */
    clock?: Clock;
  }): DynamicModule {
    return {
      module: PlatformModule,
      global: true,
      providers: [
        { provide: SecretBox, useFactory: () => resolveSecretBox(options.secretsKey, options.dataDir) },
        { provide: AuthThrottle, useFactory: () => new AuthThrottle(options.authThrottle) },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: CLOCK, useValue: options.clock ?? SYSTEM_CLOCK },
      ],
      exports: [SecretBox, AuthThrottle, CLOCK],
    };
  }
}
