/**
 * Requests that Node's HTTP parser refuses before Fastify or Nest see them (a control character in a
 * header, a Content-Length that is no number, headers over 16 KiB): answered as API.md's JSON errors with a
 * message saying what was wrong, where Fastify's own answer says only "Client Error".
 */
import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

export function answerMalformedRequests(server: Server): void {
  // Fastify's handler, registered when it was created, is replaced: both would write to the socket.
  server.removeAllListeners('clientError');
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A reset connection has no one left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, message] = describe(error);
    const body = JSON.stringify({ statusCode: status, error: STATUS_CODES[status], message });
    // A request past its timeout whose answer has begun (refused before its body) gets no second answer.
    if (socket.writable && !answerStarted(socket)) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
  });
}

function answerStarted(socket: Duplex): boolean {
  return (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage?.headersSent === true;
}

function describe(error: NodeJS.ErrnoException): [number, string] {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'The request did not arrive in time: send the whole request at once'];
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'The request line and headers are over 16 KiB: send a shorter URL or smaller headers'];
    case 'HPE_INVALID_HEADER_TOKEN':
      return [
        400,
        'A header name or value holds a character HTTP does not allow (a control character or a bare line break)',
      ];
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return [400, 'Content-Length must be one whole number of bytes, and not sent with Transfer-Encoding'];
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_INVALID_CHUNK_SIZE':
      return [400, 'The chunked body is malformed: each chunk is a hexadecimal size, CRLF, the bytes, CRLF'];
    case 'HPE_INVALID_METHOD':
      return [400, 'The request method is not an HTTP method (GET, POST, PUT, DELETE, …, in capitals)'];
    case 'HPE_INVALID_URL':
    case 'HPE_INVALID_CONSTANT':
      return [400, 'The request line is not "METHOD /path HTTP/1.1": percent-encode spaces and control characters'];
    default:
      return [
        400,
        `The request is not valid HTTP/1.1 (${error.code ?? error.message}): check its request line and headers`,
      ];
  }
}
