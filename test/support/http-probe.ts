/**
 * Requests as a fuzzer sends them: any method, path, headers and body bytes, answered with the status, the
 * raw text and the JSON (where it is JSON). `probe` goes through fetch; `probeOverSocket` writes the request
 * byte for byte on a TCP socket, for what fetch refuses to send (control characters in a header).
 */
import { connect } from 'node:net';

export interface ProbeRequest {
  method: string;
  /** Sent as is: encode what needs encoding. */
  path: string;
  headers?: Record<string, string>;
  /** Sent as these bytes; no Content-Type is added. */
  body?: string | Buffer;
}

export interface ProbeResponse {
  status: number;
  contentType: string;
  text: string;
  /** The body parsed as JSON; undefined where it is not JSON. */
  json: unknown;
}

const TIMEOUT_MS = 10_000;

export async function probe(baseUrl: string, request: ProbeRequest): Promise<ProbeResponse> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  try {
    const response = await fetch(`${baseUrl}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.body === undefined ? undefined : new Uint8Array(Buffer.from(request.body)),
      redirect: 'manual',
      signal: abort.signal,
    });
    const contentType = response.headers.get('content-type') ?? '';
    if (contentType.startsWith('text/event-stream')) {
      // A stream that opened stays open: its head is the answer.
      abort.abort();
      return { status: response.status, contentType, text: '', json: undefined };
    }
    const text = await response.text();
    return { status: response.status, contentType, text, json: parseJson(text) };
  } finally {
    clearTimeout(timer);
  }
}

/** Writes the request line, `headers` (latin1, unchecked) and the body on a socket; reads to the end. */
export async function probeOverSocket(baseUrl: string, request: ProbeRequest): Promise<ProbeResponse> {
  const { hostname, port } = new URL(baseUrl);
  const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body);
  const head =
    `${request.method} ${request.path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n` +
    Object.entries(request.headers ?? {})
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('') +
    (request.body === undefined ? '' : `Content-Length: ${body.length}\r\n`) +
    '\r\n';
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    // Written, not ended: a client that shuts its side down has its request aborted by Node (the default
    // of every Node server), and `Connection: close` has the server close once it has answered.
    const socket = connect(Number(port), hostname, () =>
      socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body])),
    );
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error(`No answer to ${request.method} ${request.path}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
  return parseRawResponse(raw);
}

function parseRawResponse(raw: Buffer): ProbeResponse {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, split === -1 ? raw.length : split).toString('latin1');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers = new Map(
    headerLines.map((line) => [
      line.slice(0, line.indexOf(':')).trim().toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  );
  let body = split === -1 ? Buffer.alloc(0) : raw.subarray(split + 4);
  if (headers.get('transfer-encoding') === 'chunked') body = dechunk(body);
  const text = body.toString('utf8');
  return { status, contentType: headers.get('content-type') ?? '', text, json: parseJson(text) };
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd === -1) break;
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
