/**
 * A child process for the projector crash test: runs the server's projector over DATA_DIR's log and read
 * models, and prints its checkpoint as it goes, until it is killed.
 */
import { SqliteEventStore, sqliteEventStoreFile } from '@team-inbox/event-store';
import { Projector, openReadModelDatabase, readModelFile } from '@team-inbox/projections';
import { READ_MODEL_PROJECTIONS } from '../../apps/inbox-api/src/read-model-projections';

const dataDir = process.env.DATA_DIR ?? '';
const store = new SqliteEventStore({ filename: sqliteEventStoreFile(dataDir), readOnly: true });
const projector = new Projector(
  store,
  openReadModelDatabase(readModelFile(dataDir)),
  READ_MODEL_PROJECTIONS.map((projection) => new projection()),
  { error: (message, error) => process.stderr.write(`${message} ${String(error)}\n`) },
);
let applied = 0;
projector.applied.subscribe((event) => {
  if (++applied % 250 === 0) process.stdout.write(`checkpoint ${event.position}\n`);
});
projector.start();
