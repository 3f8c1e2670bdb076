import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';

/**
 * class-validator at the edge: unknown fields are refused, not dropped, and the message names each field by
 * its path (`customer.id must be a string`).
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new BadRequestException(describe(errors).join('; ')),
  });
}

function describe(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    if (error.property === undefined) return Object.values(error.constraints ?? {}); // about the body as a whole
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(`property ${error.property} should not exist`)
        ? `${path} is not a field of this request`
        : message.replace(new RegExp(`^${escape(error.property)}\\b`), path),
    );
    return [...own, ...describe(error.children ?? [], path)];
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
