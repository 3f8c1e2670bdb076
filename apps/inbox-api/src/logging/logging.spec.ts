import { Logger } from '@nestjs/common';
import { createRootLogger, PinoNestLogger } from './logging';

/** Nest's logger on pino at `level`, its lines parsed. */
function capture(level: 'info' | 'warn') {
  const lines: Record<string, unknown>[] = [];
  const root = createRootLogger(level, {
    write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  Logger.overrideLogger(new PinoNestLogger(root));
  return lines;
}

describe('PinoNestLogger', () => {
  afterEach(() => Logger.overrideLogger(['log', 'error', 'warn']));

  it("writes Nest's messages with the logger's context", () => {
    const lines = capture('info');
    new Logger('Projector').log('caught up');
    expect(lines).toEqual([expect.objectContaining({ level: 30, context: 'Projector', msg: 'caught up' })]);
  });

  it('logs an error passed beside the message as err, with its stack', () => {
    const lines = capture('info');
    new Logger('OutboundWebhooks').error('Could not read the outbox', new Error('disk I/O error'));
    expect(lines).toEqual([
      expect.objectContaining({
        level: 50,
        context: 'OutboundWebhooks',
        msg: 'Could not read the outbox',
        err: expect.objectContaining({ message: 'disk I/O error', stack: expect.stringContaining('Error: disk I/O') }),
      }),
    ]);
  });

  it('logs an error given as the message by its message, and without a context', () => {
    const lines = capture('info');
    Logger.error(new Error('unexpected'));
    expect(lines).toEqual([expect.objectContaining({ level: 50, msg: 'unexpected', err: expect.anything() })]);
    expect(lines[0]).not.toHaveProperty('context');
  });

  it('writes nothing below its level', () => {
    const lines = capture('warn');
    new Logger('Server').log('listening');
    new Logger('Server').warn('slow');
    expect(lines.map((line) => line.msg)).toEqual(['slow']);
  });
});
