/**
 * Every error as API.md has it: JSON `{statusCode, error, message}`, the message in words a client developer
 * can act on. One mapping for the exception filter and for the idempotency store, so that a replayed error
 * is the error that was sent.
 */
import { HttpException, HttpStatus } from '@nestjs/common';
import { DomainError, PreconditionFailedError } from '@team-inbox/core';
import {
  EventStoreTimeoutError,
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
} from '@team-inbox/event-store';
import { STATUS_CODES } from 'node:http';
import { BODY_LIMIT_BYTES } from './limits';

export interface ErrorResponse {
  status: number;
  body: { statusCode: number; error: string; message: string } & Record<string, unknown>;
  headers: Record<string, string>;
}

const DOMAIN_STATUS: Record<DomainError['kind'], number> = {
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  unprocessable: HttpStatus.UNPROCESSABLE_ENTITY,
  precondition_failed: HttpStatus.PRECONDITION_FAILED,
};

/**
 * Fastify's own request errors (body parsing, limits), which reach the filter as a plain HttpException
 * carrying Fastify's message: said again in words that tell the client what to do.
 */
const FASTIFY_MESSAGES: Record<string, string> = {
  'Request body is too large': `The request body is larger than ${BODY_LIMIT_BYTES} bytes (1 MiB)`,
  "Body is not valid JSON but content-type is set to 'application/json'":
    'The body is not valid JSON (Content-Type says application/json)',
  "Body cannot be empty when content-type is set to 'application/json'":
    'Content-Type is application/json but the body is empty: send a JSON object',
  // A Content-Type that is no media type at all ("json", "text/"); any well-formed one the route does not
  // take is refused by the body parsers with its own message.
  'Unsupported Media Type': 'Content-Type is not a media type (type/subtype): send application/json',
};

export function errorResponse(exception: unknown): ErrorResponse {
  if (exception instanceof PreconditionFailedError) {
    return {
      status: HttpStatus.PRECONDITION_FAILED,
      body: { ...exception.current, ...errorBody(HttpStatus.PRECONDITION_FAILED, exception.message) },
      headers: { etag: `"${exception.currentRevision}"` },
    };
  }
  if (exception instanceof DomainError) return plain(DOMAIN_STATUS[exception.kind], exception.message);
  // A conflict a handler did not resolve itself: the caller may read again and retry, never a 500.
  if (exception instanceof WrongExpectedRevisionError) {
    return plain(HttpStatus.CONFLICT, `${exception.message}; read it again and retry`);
  }
  if (exception instanceof EventStoreTimeoutError) {
    return plain(
      HttpStatus.SERVICE_UNAVAILABLE,
      `The event store did not answer in time; the command may or may not have been written: retry it with the same Idempotency-Key. ${exception.message}`,
      { 'retry-after': '1' },
    );
  }
  if (exception instanceof EventStoreUnavailableError) {
    return plain(
      HttpStatus.SERVICE_UNAVAILABLE,
      `The event store cannot be reached; nothing was written: ${exception.message}`,
      {
        'retry-after': '1',
      },
    );
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'string'
        ? (FASTIFY_MESSAGES[response] ?? response)
        : (messageText((response as { message?: unknown }).message) ?? exception.message);
    const extra = typeof response === 'object' ? (response as Record<string, unknown>) : {};
    return { status, body: { ...extra, ...errorBody(status, message) }, headers: {} };
  }
  return plain(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
}

function plain(status: number, message: string, headers: Record<string, string> = {}): ErrorResponse {
  return { status, body: errorBody(status, message), headers };
}

function errorBody(status: number, message: string): ErrorResponse['body'] {
  return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message };
}

function messageText(message: unknown): string | undefined {
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return undefined;
}
