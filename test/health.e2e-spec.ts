import { EVENT_STORE, EventStoreUnavailableError, InMemoryEventStore, type EventStore } from '@team-inbox/event-store';
import { ProjectionProgress } from '@team-inbox/projections';
import { randomUUID } from 'node:crypto';
import { startApp, type RunningApp } from './support/test-app';

describe('GET /health', () => {
  let running: RunningApp;
  afterEach(async () => {
    await running.stop();
  });

  it('reports the embedded SQLite store by default, with no token needed', async () => {
    running = await startApp();
    const response = await fetch(`${running.baseUrl}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      status: 'ok',
      eventStore: 'sqlite',
      projectionPosition: '0',
      processManagers: { 'member-removal': '0', 'outbound-webhooks': '0' },
    });
  });

  it('answers 503 with a JSON error while the event store cannot be reached', async () => {
    const store = new InMemoryEventStore();
    jest.spyOn(store, 'checkHealth').mockRejectedValue(new EventStoreUnavailableError('connection refused'));
    running = await startApp({ eventStore: store });

    const response = await fetch(`${running.baseUrl}/health`);

    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The event store (in-memory) cannot be reached: connection refused',
    });
  });
});

describe('GET /livez and GET /readyz', () => {
  let running: RunningApp;
  afterEach(async () => {
    jest.restoreAllMocks();
    await running.stop();
  });

  it('are public and answer 200 while the store answers and the views keep up', async () => {
    running = await startApp();
    const live = await fetch(`${running.baseUrl}/livez`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });

    const ready = await fetch(`${running.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ok',
      eventStore: 'sqlite',
      projectionPosition: '0',
      readModelLagMs: 0,
    });
  });

  it('readyz is 503 naming the read models once they trail the log by more than 5 s; livez stays 200', async () => {
    running = await startApp();
    await running.app.get(ProjectionProgress).stop();
    const store = running.app.get<EventStore>(EVENT_STORE);
    await store.append('readiness-probe', [{ id: randomUUID(), type: 'ProbeRecorded', data: {} }], {
      expectedRevision: 'any',
    });

    // Just appended: behind, but within 5 s.
    expect((await fetch(`${running.baseUrl}/readyz`)).status).toBe(200);

    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now + 6000);
    const stale = await fetch(`${running.baseUrl}/readyz`);
    expect(stale.status).toBe(503);
    expect(((await stale.json()) as { message: string }).message).toMatch(
      /^The read models are \d+ s behind the event log/,
    );
    expect((await fetch(`${running.baseUrl}/livez`)).status).toBe(200);
  });

  it('readyz is 503 naming the event store while it cannot be reached; livez stays 200', async () => {
    const store = new InMemoryEventStore();
    jest.spyOn(store, 'checkHealth').mockRejectedValue(new EventStoreUnavailableError('connection refused'));
    running = await startApp({ eventStore: store });

    const ready = await fetch(`${running.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { message: string }).message).toBe(
      'The event store (in-memory) cannot be reached: connection refused',
    );
    expect((await fetch(`${running.baseUrl}/livez`)).status).toBe(200);
  });
});
