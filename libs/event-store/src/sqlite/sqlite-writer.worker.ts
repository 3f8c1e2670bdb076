/** The writer thread's entry: commits what the store sends, answers with the outcomes. */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteWriter, type WireAppend } from './sqlite-writer';

const { filename, autocheckpointPages } = workerData as { filename: string; autocheckpointPages?: number };
const port = parentPort!;
try {
  const writer = new SqliteWriter(filename, autocheckpointPages);
  port.on('message', (message: { type: 'commit'; id: number; batch: WireAppend[] } | { type: 'close' }) => {
    if (message.type === 'commit') {
      port.postMessage({ id: message.id, result: writer.commit(message.batch) });
    } else {
      writer.close();
      port.close();
    }
  });
} catch (error) {
  port.postMessage({ id: -1, result: { ok: false, unavailable: true, code: 'OPEN', message: String(error) } });
  port.close();
}
