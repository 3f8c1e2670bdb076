/**
 * How the server lets go of its connections when it closes (SIGTERM): the server's own close waits for
 * every connection to end, and some never would (a client sending a body a byte at a time, a connection
 * opened and left silent). When the close begins, a connection with no request, or with a request whose
 * body has not all arrived, is cut at once: nothing was accepted on it. A request received whole is
 * answered first, then its connection is ended. Whatever is left after `graceMs` is cut. Event streams
 * are ended before this (LiveFeed), so their connections end like any answered request.
 */
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export const CLOSE_GRACE_MS = 1000;

export function closeConnectionsOnClose(fastify: FastifyInstance, graceMs = CLOSE_GRACE_MS): void {
  const sockets = new Set<Socket>();
  const inFlight = new Map<Socket, { request: IncomingMessage; response: ServerResponse }>();
  let closing = false;

  fastify.server.on('connection', (socket: Socket) => {
    if (closing) return void socket.destroy();
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      inFlight.delete(socket);
    });
  });
  fastify.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    inFlight.set(socket, { request, response });
    response.once('close', () => {
      if (inFlight.get(socket)?.request === request) inFlight.delete(socket);
      // Answered during the close: nothing more is taken on this connection.
      if (closing) socket.end();
    });
  });

  fastify.addHook('preClose', (done) => {
    closing = true;
    for (const socket of sockets) {
      const current = inFlight.get(socket);
      if (!current || !current.request.complete) socket.destroy();
    }
    setTimeout(() => {
      for (const socket of sockets) socket.destroy();
    }, graceMs).unref();
    done();
  });
}
