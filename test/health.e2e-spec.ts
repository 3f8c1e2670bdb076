import { EventStoreUnavailableError, InMemoryEventStore } from '@team-inbox/event-store';
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
