/**
 * `npm run projections:rebuild`: replays the whole log into fresh read models and swaps them in, showing
 * progress. Configured like the server (EVENT_STORE, DATA_DIR, EVENTSTORE_CONNECTION_STRING); safe to run
 * beside a running server.
 */
import 'reflect-metadata';
import { ConfigurationError, loadAppConfig } from '@team-inbox/config';
import { createEventStore, type Position } from '@team-inbox/event-store';
import { readModelFile, rebuildReadModels, type RebuildProgress } from '@team-inbox/projections';
import { READ_MODEL_PROJECTIONS } from './read-model-projections';

const BAR_WIDTH = 30;

function progressLine({ events, position, head, elapsedMs }: RebuildProgress): string {
  const fraction = head > 0n ? Math.min(1, Number((position * 10_000n) / head) / 10_000) : 1;
  const rate = events / Math.max(elapsedMs / 1000, 0.001);
  const left = fraction > 0 ? (elapsedMs / 1000) * (1 / fraction - 1) : Number.NaN;
  const filled = Math.round(fraction * BAR_WIDTH);
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${(fraction * 100).toFixed(1).padStart(5)}%  ` +
    `${events.toLocaleString('en-US')} events  ${Math.round(rate).toLocaleString('en-US')} events/s  ` +
    `${Number.isFinite(left) ? `${left.toFixed(1)} s left` : ''}`
  );
}

async function main(): Promise<void> {
  const config = loadAppConfig(process.env);
  const eventStore = await createEventStore(
    config.eventStore === 'eventstoredb'
      ? { kind: 'eventstoredb', connectionString: config.eventStoreConnectionString ?? '' }
      : { kind: 'sqlite', dataDir: config.dataDir },
  );
  const interactive = process.stderr.isTTY;
  let lastPrinted = 0;
  let last: RebuildProgress | undefined;
  // On a terminal, one bar redrawn in place; in a log, a line a second and the last one.
  const report = (progress: RebuildProgress): void => {
    last = progress;
    if (interactive) process.stderr.write(`\r${progressLine(progress)}`);
    else if (progress.elapsedMs - lastPrinted >= 1000) {
      lastPrinted = progress.elapsedMs;
      process.stderr.write(`${progressLine(progress)}\n`);
    }
  };
  try {
    const result = await rebuildReadModels({
      eventStore,
      projections: READ_MODEL_PROJECTIONS.map((projection) => new projection()),
      readModelFile: readModelFile(config.dataDir),
      onProgress: report,
    });
    const rate = result.events / Math.max(result.elapsedMs / 1000, 0.001);
    process.stderr.write(interactive ? '\n' : last && lastPrinted !== last.elapsedMs ? `${progressLine(last)}\n` : '');
    if (result.leftoversRemoved.length > 0) {
      process.stderr.write(`Removed what killed rebuilds left: ${result.leftoversRemoved.join(', ')}\n`);
    }
    process.stdout.write(
      `Rebuilt the read models from ${result.events.toLocaleString('en-US')} events in ` +
        `${(result.elapsedMs / 1000).toFixed(2)} s (${Math.round(rate).toLocaleString('en-US')} events/s; ` +
        `the replay ${(result.replayMs / 1000).toFixed(2)} s, the swap ${((result.elapsedMs - result.replayMs) / 1000).toFixed(2)} s); ` +
        `swapped in at position ${positionText(result.position)}.\n`,
    );
  } finally {
    await eventStore.close();
  }
}

function positionText(position: Position): string {
  return position.toString();
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigurationError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
