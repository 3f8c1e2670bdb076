import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { errorResponse } from './error-response';

/** Writes every error as API.md's JSON; an unexpected one is logged and answered 500 without details. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body, headers } = errorResponse(exception);
    if (status >= 500 && status !== 503) this.logger.error(exception);
    if (status === 401) reply.header('www-authenticate', 'Bearer');
    void reply.status(status).headers(headers).send(body);
  }
}
