import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

/**
 * Routes that take no fields (unassign, close, reopen, the DELETEs, redeliver): no body, or `{}`; any field
 * sent is refused, as API.md has it for an unknown field, rather than ignored.
 */
@Injectable()
export class NoFieldsPipe implements PipeTransform {
  transform(value: unknown): undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new BadRequestException('This command takes no body, or an empty JSON object');
    }
    const fields = Object.keys(value);
    if (fields.length > 0) {
      throw new BadRequestException(
        `This command takes no fields; ${fields.map((f) => `${f} is not a field of this request`).join('; ')}`,
      );
    }
    return undefined;
  }
}
