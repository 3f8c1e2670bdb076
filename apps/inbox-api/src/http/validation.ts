import { BadRequestException, ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';

/**
 * Keys that every object already has (`constructor`, `toString`, `__proto__`, …) and `prototype`:
 * class-transformer and Nest skip or strip them without a word, so they would pass as if never sent.
 */
const INHERITED_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/**
 * class-validator at the edge: unknown fields are refused, not dropped, and the message names each field by
 * its path (`customer.id must be a string`).
 */
export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new BadRequestException(describe(errors).join('; ')),
  });
}

/** Refuses, before the transform, the keys it would drop without a word. */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (this.toValidate(metadata)) refuseInheritedKeys(value);
    return super.transform(value, metadata);
  }
}

/** Walks the whole value (a body is at most MAX_NESTING deep, see body-parsers.ts). */
function refuseInheritedKeys(value: unknown, path = ''): void {
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (!Array.isArray(value) && INHERITED_KEYS.has(key)) {
      throw new BadRequestException(`${childPath} is not a field of this request`);
    }
    refuseInheritedKeys(child, childPath);
  }
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
