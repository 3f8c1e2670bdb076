/** Starts the real application on a free loopback port for e2e tests over HTTP. */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadAppConfig, type AppConfig } from '@team-inbox/config';
import type { Clock } from '@team-inbox/core';
import type { EventStore } from '@team-inbox/event-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../apps/inbox-api/src/create-app';

export interface RunningApp {
  app: NestFastifyApplication;
  baseUrl: string;
  config: AppConfig;
  stop(): Promise<void>;
}

export function temporaryDataDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'team-inbox-e2e-'));
  return { dir, remove: () => temporaryDataDir.remove(dir) };
}
temporaryDataDir.remove = (dir: string): void => rmSync(dir, { recursive: true, force: true });

export async function startApp(
  options: { env?: NodeJS.ProcessEnv; eventStore?: EventStore; dataDir?: string; clock?: Clock } = {},
): Promise<RunningApp> {
  const data = options.dataDir ? undefined : temporaryDataDir();
  const config = loadAppConfig({
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    DATA_DIR: options.dataDir ?? data?.dir,
    ...options.env,
  });
  const app = await createApp({ config, eventStore: options.eventStore, clock: options.clock });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (address === null || typeof address === 'string') throw new Error('The test server has no TCP address');
  return {
    app,
    config,
    baseUrl: `http://127.0.0.1:${address.port}`,
    stop: async () => {
      await app.close();
      data?.remove();
    },
  };
}
