/**
 * A load generator's HTTP/1.1 connection: a kept-alive TCP socket that sends prebuilt requests one at a
 * time and reads only each answer's status, skipping its body by Content-Length. node:http's streams and
 * IncomingMessage objects cost the client several times more CPU per request, and on the two cores the
 * client shares with the server every client microsecond is taken from the server.
 */
import { connect, type Socket } from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');

export interface RawRequest {
  /** The whole request, head and body, as it goes on the wire. */
  bytes: Buffer;
  /** Called with the status (0 where the connection failed before an answer). */
  done: (status: number) => void;
}

/** Builds a request's bytes once, so that sending it costs one socket write. */
export function buildRequest(host: string, method: string, path: string, token: string, body?: unknown): Buffer {
  const payload = body === undefined ? '' : JSON.stringify(body);
  const head =
    `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\n` +
    (payload ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n` : '') +
    '\r\n';
  return Buffer.from(head + payload);
}

export class RawConnection {
  private socket: Socket | null = null;
  private current: RawRequest | null = null;
  /** Header bytes of the answer that arrived split across reads. */
  private partialHead: Buffer | null = null;
  /** Body bytes still to skip; -1 while reading the head. */
  private bodyLeft = -1;
  private status = 0;
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    /** Called when the connection is free for the next request. */
    private readonly onIdle: (connection: RawConnection) => void,
  ) {}

  get busy(): boolean {
    return this.current !== null;
  }

  send(request: RawRequest): void {
    this.current = request;
    if (!this.socket) this.socket = this.open();
    this.socket.write(request.bytes);
  }

  /** Drops the connection; a request still in flight is left unanswered (its `done` is not called). */
  close(): void {
    this.closed = true;
    this.current = null;
    this.socket?.destroy();
    this.socket = null;
  }

  private open(): Socket {
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', () => undefined); // 'close' follows and reports it
    socket.on('close', () => {
      if (this.socket === socket) this.socket = null;
      this.partialHead = null;
      this.bodyLeft = -1;
      const request = this.current;
      this.current = null;
      if (request) {
        request.done(0);
        if (!this.closed) this.onIdle(this);
      }
    });
    return socket;
  }

  private read(chunk: Buffer): void {
    let data = chunk;
    let offset = 0;
    while (offset < data.length) {
      if (this.bodyLeft < 0) {
        if (this.partialHead) {
          data = Buffer.concat([this.partialHead, data.subarray(offset)]);
          offset = 0;
          this.partialHead = null;
        }
        const end = data.indexOf(HEADER_END, offset);
        if (end < 0) {
          this.partialHead = Buffer.from(data.subarray(offset));
          return;
        }
        const head = data.toString('latin1', offset, end);
        this.status = Number(head.slice(9, 12));
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        // Every answer of this server carries Content-Length; anything else would desynchronise the stream.
        if (!length) {
          this.socket?.destroy();
          return;
        }
        this.bodyLeft = Number(length[1]);
        offset = end + HEADER_END.length;
      }
      const skipped = Math.min(this.bodyLeft, data.length - offset);
      offset += skipped;
      this.bodyLeft -= skipped;
      if (this.bodyLeft === 0) {
        this.bodyLeft = -1;
        const request = this.current;
        this.current = null;
        request?.done(this.status);
        this.onIdle(this);
      }
    }
  }
}
