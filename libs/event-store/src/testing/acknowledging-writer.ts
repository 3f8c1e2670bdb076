/**
 * A child process for the crash test: appends events from several concurrent writers and prints the id of
 * each event on its own line the moment its append resolves (stdout to a pipe is synchronous on Linux, so
 * a printed id was acknowledged before anything else ran). The parent kills it with SIGKILL and checks
 * that every printed id is in the log.
 *
 * Settings through the environment: the same EVENT_STORE, DATA_DIR and EVENTSTORE_CONNECTION_STRING as the
 * server, plus STREAM_PREFIX and WRITERS.
 */
import { randomUUID } from 'node:crypto';
import { createEventStore } from '../create-event-store';
import type { ExpectedRevision } from '../event-store';

async function main(): Promise<void> {
  const env = process.env;
  const store = await createEventStore(
    env.EVENT_STORE === 'eventstoredb'
      ? { kind: 'eventstoredb', connectionString: env.EVENTSTORE_CONNECTION_STRING ?? '' }
      : { kind: 'sqlite', dataDir: env.DATA_DIR ?? './data' },
  );
  const prefix = env.STREAM_PREFIX ?? `crash-${randomUUID()}`;
  const writers = Number(env.WRITERS ?? '8');

  process.stdout.write('ready\n');
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      const streamId = `${prefix}-${writer}`;
      let expectedRevision: ExpectedRevision = 'no_stream';
      for (let sequence = 0; ; sequence++) {
        const id = randomUUID();
        const { nextRevision } = await store.append(
          streamId,
          [{ id, type: 'CrashTestEvent', data: { writer, sequence } }],
          { expectedRevision },
        );
        expectedRevision = nextRevision;
        process.stdout.write(`${id}\n`);
      }
    }),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
