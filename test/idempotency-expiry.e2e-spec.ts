/**
 * `Idempotency-Key` records expire after their 24 hours (API.md): with the clock set past a record's
 * 24 hours, the embedded store's periodic sweep removes it from the log and the same key is new again;
 * a record still within its 24 hours is kept and still replays.
 */
import type { Clock } from '@team-inbox/core';
import { IDEMPOTENCY_WINDOW_MS } from '@team-inbox/core';
import { collect, type RecordedEvent } from '@team-inbox/event-store';
import { eventually } from './support/eventually';
import { Inbox, type Member } from './support/inbox';

/** The real time until a test sets it. */
class SettableClock implements Clock {
  private setTo: number | undefined;
  now(): number {
    return this.setTo ?? Date.now();
  }
  set(time: number): void {
    this.setTo = time;
  }
}

describe('Idempotency-Key records expire after 24 hours', () => {
  let clock: SettableClock;
  let inbox: Inbox;
  let alice: Member;
  let reply: (key: string, body: string) => ReturnType<Inbox['request']>;
  /** An inbox on a clock the test sets, sweeping expired records every `sweepEveryMs` (0: never). */
  async function start(sweepEveryMs: number): Promise<void> {
    clock = new SettableClock();
    inbox = await Inbox.start({ clock, eventStore: { expirySweepIntervalMs: sweepEveryMs } });
    alice = await inbox.addMember('Alice');
    const chat = await inbox.addIntegration();
    const conversation = await inbox.startConversation(chat.token);
    reply = (key, body) =>
      inbox.request('POST', `/conversations/${conversation.id}/messages`, {
        token: alice.token,
        body: { body },
        headers: { 'idempotency-key': key },
      });
  }
  afterEach(async () => {
    await inbox.stop();
  });

  const records = async (): Promise<RecordedEvent[]> =>
    (await collect(inbox.store.readAll())).filter((event) => event.type === 'IdempotentRequestCompleted');

  it('removes a record past its 24 hours from the log, and its key is new again; one within them still replays', async () => {
    await start(50);

    expect((await reply('older', 'First reply')).status).toBe(201);
    const [older] = await records();
    await eventually(() => Date.now() > older.recordedAt.getTime() + 2); // the next record a few ms younger
    expect((await reply('newer', 'Second reply')).status).toBe(201);
    const [, newer] = await records();
    expect(newer.streamId).not.toBe(older.streamId);

    // The clock between the two records' 24 hours: the older one is past them, the newer one is not.
    const olderAt = older.recordedAt.getTime();
    const newerAt = newer.recordedAt.getTime();
    clock.set(olderAt + IDEMPOTENCY_WINDOW_MS + Math.floor((newerAt - olderAt) / 2));

    // The sweep removes the expired record from the log, and only it.
    await eventually(async () => (await inbox.streamEvents(older.streamId)).length === 0, 5_000);
    expect((await records()).map((event) => event.id)).toEqual([newer.id]);

    // Within its 24 hours: replayed, nothing appended.
    await inbox.expectNothingAppended(async () => {
      const replayed = await reply('newer', 'Second reply');
      expect(replayed.status).toBe(201);
      expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    });

    // Past them: the key is new, the request runs (not replayed), and its answer is recorded afresh.
    const again = await reply('older', 'First reply');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    const recordedAgain = await inbox.streamEvents(older.streamId);
    expect(recordedAgain).toHaveLength(1);
    expect(recordedAgain[0].position).toBeGreaterThan(newer.position);
  });

  it('takes a key past its 24 hours for new before the sweep has removed its record', async () => {
    await start(0);
    expect((await reply('key', 'A reply')).status).toBe(201);
    const [recorded] = await records();
    clock.set(recorded.recordedAt.getTime() + IDEMPOTENCY_WINDOW_MS);

    const again = await reply('key', 'A reply');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(await inbox.streamEvents(recorded.streamId)).toHaveLength(2); // recorded afresh, the old one not yet swept
  });
});
