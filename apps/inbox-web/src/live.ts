/**
 * `GET /stream` read with fetch (EventSource cannot send the Authorization header): calls `onChange` for
 * each conversation change, and reconnects after a drop, resuming from the last event id it saw.
 */
export function followChanges(
  token: string,
  onChange: (change: { conversationId: string; position: string }) => void,
  signal: AbortSignal,
): void {
  let lastEventId: string | undefined;
  let retryMs = 500;

  const connect = async (): Promise<void> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
    if (lastEventId) headers['last-event-id'] = lastEventId;
    const response = await fetch('/stream', { headers, signal });
    if (!response.ok || !response.body) throw new Error(`The live stream answered ${response.status}`);
    retryMs = 500;
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
        const data = frame
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .join('\n');
        const id = frame.split('\n').find((line) => line.startsWith('id:'));
        if (id) lastEventId = id.slice(3).trim();
        if (data) onChange(JSON.parse(data) as { conversationId: string; position: string });
      }
    }
  };

  const loop = async (): Promise<void> => {
    while (!signal.aborted) {
      try {
        await connect();
      } catch {
        // dropped or refused: try again, less often each time
      }
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, 10_000);
    }
  };
  void loop();
}
