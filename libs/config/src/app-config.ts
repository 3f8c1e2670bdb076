/**
 * The server's configuration, read from the environment once at start-up and validated as a whole: a bad
 * value stops the start with a message that names the variable and what it expected.
 */
import { plainToInstance } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateIf,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { resolve } from 'node:path';

export type EventStoreChoice = 'sqlite' | 'eventstoredb';
const EVENT_STORES: readonly EventStoreChoice[] = ['sqlite', 'eventstoredb'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AppConfig {
  port: number;
  host: string;
  /** Absolute. */
  dataDir: string;
  eventStore: EventStoreChoice;
  eventStoreConnectionString: string | undefined;
  adminToken: string | undefined;
  logLevel: LogLevel;
}

/** The variables as they arrive: strings, each checked with a message a person can act on. */
class EnvironmentVariables {
  @IsOptional()
  @IsInt({ message: 'PORT must be a whole number from 1 to 65535' })
  @Min(1, { message: 'PORT must be a whole number from 1 to 65535' })
  @Max(65535, { message: 'PORT must be a whole number from 1 to 65535' })
  PORT?: number;

  @IsOptional()
  @IsString()
  @IsNotEmpty({ message: 'HOST must not be empty when set' })
  HOST?: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty({ message: 'DATA_DIR must not be empty when set' })
  DATA_DIR?: string;

  @IsOptional()
  @IsIn(EVENT_STORES, { message: `EVENT_STORE must be one of: ${EVENT_STORES.join(', ')}` })
  EVENT_STORE?: string;

  @ValidateIf(
    (env: EnvironmentVariables) => env.EVENT_STORE === 'eventstoredb' || env.EVENTSTORE_CONNECTION_STRING !== undefined,
  )
  @IsDefined({ message: 'EVENTSTORE_CONNECTION_STRING is required when EVENT_STORE=eventstoredb' })
  @Matches(/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb|kdb\+discover):\/\/\S+$/, {
    message: 'EVENTSTORE_CONNECTION_STRING must be a connection string such as esdb://localhost:2113?tls=false',
  })
  EVENTSTORE_CONNECTION_STRING?: string;

  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{32,512}$/, {
    message: 'INBOX_ADMIN_TOKEN must be 32 to 512 printable characters without spaces (at least 128 random bits)',
  })
  INBOX_ADMIN_TOKEN?: string;

  @IsOptional()
  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of: ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL?: string;
}

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';

  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

const NAMES = [
  'PORT',
  'HOST',
  'DATA_DIR',
  'EVENT_STORE',
  'EVENTSTORE_CONNECTION_STRING',
  'INBOX_ADMIN_TOKEN',
  'LOG_LEVEL',
] as const;

export function loadAppConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): AppConfig {
  const raw: Record<string, string | number> = {};
  for (const name of NAMES) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  // PORT is the one number: a strict parse, so "80abc" or "1e3" is refused rather than read as 80 or 1000.
  if (typeof raw.PORT === 'string') raw.PORT = /^[0-9]{1,5}$/.test(raw.PORT) ? Number(raw.PORT) : Number.NaN;

  const variables = plainToInstance(EnvironmentVariables, raw);
  const errors = validateSync(variables, { forbidUnknownValues: true, stopAtFirstError: true });
  if (errors.length > 0) throw new ConfigurationError(errors.map((error) => describeProblem(error, env)));

  return {
    port: variables.PORT ?? 3000,
    host: variables.HOST ?? '0.0.0.0',
    dataDir: resolve(cwd, variables.DATA_DIR ?? './data'),
    eventStore: (variables.EVENT_STORE as EventStoreChoice | undefined) ?? 'sqlite',
    eventStoreConnectionString: variables.EVENTSTORE_CONNECTION_STRING,
    adminToken: variables.INBOX_ADMIN_TOKEN,
    logLevel: (variables.LOG_LEVEL as LogLevel | undefined) ?? 'info',
  };
}

function describeProblem(error: ValidationError, env: NodeJS.ProcessEnv): string {
  const messages = [...new Set(Object.values(error.constraints ?? {}))];
  // Secrets are named, never echoed.
  const shown = error.property === 'INBOX_ADMIN_TOKEN' ? '' : ` (got "${env[error.property] ?? ''}")`;
  return `${messages.join('; ')}${shown}`;
}
