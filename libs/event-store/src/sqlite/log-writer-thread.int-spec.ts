import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { EventStoreUnavailableError } from '../errors';
import type { AppendRequest } from './log-writer';
import { LogWriterThread } from './log-writer-thread';
import { SqliteEventStore } from './sqlite-event-store';

let dataDir = '';
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'team-inbox-writer-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const firstAppend = (streamId: string): AppendRequest => ({
  streamId,
  expectedRevision: 'no_stream',
  events: [{ id: randomUUID(), type: 'Tested', data: '{}', metadata: '{}' }],
});

const notWritable = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('LogWriterThread', () => {
  it('fails the batch of a thread that dies as the store being unavailable, and starts a new thread for the next', async () => {
    const filename = join(dataDir, 'log', 'events.sqlite');
    const writer = new LogWriterThread({ filename }, notWritable);
    try {
      // No such folder yet: the thread cannot open its connection and dies with the batch it was given.
      await expect(writer.lastStart()).resolves.toBeUndefined(); // none started yet
      await expect(writer.write([firstAppend('a')])).rejects.toThrow(EventStoreUnavailableError);
      await expect(writer.lastStart()).rejects.toThrow(EventStoreUnavailableError);
      await expect(writer.write([firstAppend('a')])).rejects.toThrow(/writer thread (failed|stopped)/);

      await new SqliteEventStore({ filename }).close(); // creates the folder and the log's schema
      const { outcomes } = await writer.write([firstAppend('a'), firstAppend('b')]);
      expect(outcomes).toEqual([
        { ok: true, result: { nextRevision: 0n, position: 1n } },
        { ok: true, result: { nextRevision: 0n, position: 2n } },
      ]);
      await expect(writer.lastStart()).resolves.toBeUndefined();
    } finally {
      await writer.close();
    }
  });

  it('answers batches in the order they were posted, each after its commit', async () => {
    const filename = join(dataDir, 'events.sqlite');
    await new SqliteEventStore({ filename }).close();
    const writer = new LogWriterThread({ filename }, notWritable);
    try {
      const answered: string[] = [];
      const batches = ['a', 'b', 'c'].map((streamId) =>
        writer.write([firstAppend(streamId)]).then(({ outcomes }) => {
          answered.push(streamId);
          return outcomes;
        }),
      );
      const outcomes = await Promise.all(batches);
      expect(answered).toEqual(['a', 'b', 'c']);
      expect(outcomes.map(([outcome]) => outcome)).toEqual([
        { ok: true, result: { nextRevision: 0n, position: 1n } },
        { ok: true, result: { nextRevision: 0n, position: 2n } },
        { ok: true, result: { nextRevision: 0n, position: 3n } },
      ]);
    } finally {
      await writer.close();
    }
  });
});
