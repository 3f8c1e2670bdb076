/**
 * `GET /stream` read with fetch (EventSource cannot send the Authorization header): tells of each
 * conversation change, and reconnects on its own after a drop, resuming after the last event id it saw (a
 * log position: heartbeats are comments and carry none). While it is down, `onStatus(false)` says so.
 */
export interface LiveHandlers {
  onChange(change: { conversationId: string; position: string }): void;
  /** Missed too much to be told of each change: reload what is shown. */
  onReset(): void;
  /** True once the stream is open; false from the moment it drops until it is open again. */
  onStatus(connected: boolean): void;
  /** The token stopped working (its member was removed): the stream is not tried again. */
  onUnauthorized(): void;
}

class Unauthorized extends Error {}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 4_000;

export function followChanges(token: string, handlers: LiveHandlers, signal: AbortSignal): void {
  let lastEventId: string | undefined;
  let retryMs = FIRST_RETRY_MS;

  const dispatch = (frame: string): void => {
    let event = 'message';
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line === '' || line.startsWith(':')) continue; // a comment: the heartbeat
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') lastEventId = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (event === 'reset') handlers.onReset();
    else if (data.length > 0)
      handlers.onChange(JSON.parse(data.join('\n')) as { conversationId: string; position: string });
  };

  const connect = async (): Promise<void> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
    if (lastEventId) headers['last-event-id'] = lastEventId;
    const response = await fetch('/stream', { headers, signal });
    if (response.status === 401) throw new Unauthorized();
    if (!response.ok || !response.body) throw new Error(`The live stream answered ${response.status}`);
    retryMs = FIRST_RETRY_MS;
    handlers.onStatus(true);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        dispatch(frame);
      }
    }
  };

  const loop = async (): Promise<void> => {
    while (!signal.aborted) {
      try {
        await connect();
      } catch (error) {
        if (error instanceof Unauthorized) {
          handlers.onUnauthorized();
          return;
        }
        // dropped or refused: try again, less often each time
      }
      if (signal.aborted) return;
      handlers.onStatus(false);
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
  };
  void loop();
}
