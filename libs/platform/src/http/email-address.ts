import { applyDecorators } from '@nestjs/common';
import { IsEmail, Matches } from 'class-validator';

/**
 * An email address, checked by class-validator's isEmail, which throws (a 500) on a lone surrogate: it
 * measures the address with encodeURI. Such a string is refused first, with the same message.
 */
export const EmailAddress = (message: string): PropertyDecorator =>
  // Registered, and so checked, in this order.
  applyDecorators(Matches(/^\P{Cs}*$/u, { message }), IsEmail({}, { message }));
