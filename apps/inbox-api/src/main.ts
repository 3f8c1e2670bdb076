import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigurationError, loadAppConfig, type AppConfig } from '@team-inbox/config';
import { adminTokenFile } from '@team-inbox/team';
import { existsSync, writeSync } from 'node:fs';
import { createApp } from './create-app';
import { signInNotice } from './sign-in-notice';

const SHUTDOWN_TIMEOUT_MS = 10_000;

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadAppConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    process.stderr.write(`team-inbox cannot start. ${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const tokenFile = adminTokenFile(config.dataDir);
  const tokenGenerated = config.adminToken === undefined && !existsSync(tokenFile);
  const app = await createApp({ config });
  await app.listen(config.port, config.host);
  const where = config.eventStore === 'sqlite' ? `${config.dataDir}` : 'EventStoreDB';
  const logger = new Logger('Server');
  const url = await app.getUrl();
  logger.log(`team-inbox listening on ${url} (event store: ${config.eventStore}, ${where})`);
  if (config.logLevel !== 'silent') {
    // Written as the log is (synchronously, to stdout), so that it comes right after the line above.
    const tokenFromEnvironment = config.adminToken !== undefined;
    writeSync(1, signInNotice({ url, tokenFromEnvironment, tokenFile, tokenGenerated }));
  }

  // Graceful shutdown: stop taking requests, let queued appends commit, close the store, then exit 0.
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: shutting down`);
    setTimeout(() => {
      logger.error(`Shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms: exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    app.close().then(
      () => {
        logger.log('Shut down cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error('Shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void bootstrap();
