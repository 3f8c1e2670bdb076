/**
 * What the conversation routes answer, as the OpenAPI document describes it. The summary's schema is derived
 * from its one definition (`summary-contract.ts`), so the document cannot drift from what the server sends;
 * the rest (messages, timeline, a command's `position`) is declared here beside the routes' decorators.
 */
import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiPayloadTooLargeResponse,
  ApiPreconditionFailedResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ApiUnprocessableEntityResponse,
  type ApiPropertyOptions,
} from '@nestjs/swagger';
import {
  CONVERSATION_SUMMARY,
  type ConversationSummary,
  type SummaryColumn,
  type SummaryShape,
} from '../summary-contract';

/** What the summary's definition does not say of a field: its format and what it means to a client. */
interface FieldDocs {
  format?: 'uuid' | 'date-time';
  minimum?: number;
  description?: string;
}

const SUMMARY_FIELD_DOCS: { [Field in keyof ConversationSummary]?: FieldDocs } = {
  id: { format: 'uuid' },
  assigneeId: { format: 'uuid', description: "The assigned member's id; null where unassigned" },
  lastActivityAt: { format: 'date-time' },
  lastMessagePreview: { description: 'The last message, its whitespace flattened, cut at 140 characters' },
  messageCount: { minimum: 0 },
  revision: {
    minimum: 0,
    description: 'The conversation stream\'s revision: the ETag (`"<revision>"`), and what `If-Match` names',
  },
};
const CUSTOMER_FIELD_DOCS: Partial<Record<keyof ConversationSummary['customer'], FieldDocs>> = {
  id: { description: "The customer's id in the channel or store" },
};

function isColumn(entry: SummaryColumn | SummaryShape): entry is SummaryColumn {
  return typeof entry.column === 'string';
}

/** A column's JSON value as OpenAPI says it: the definition's type, nullable where the column may be null. */
function propertyOf(entry: SummaryColumn): ApiPropertyOptions {
  const literals = [...entry.typeScript.matchAll(/'([^']*)'/g)].map(([, literal]) => literal);
  if (literals.length > 0) return { enum: literals };
  const nullable = entry.constraint === '' ? { nullable: true } : {};
  return entry.sqlType === 'INTEGER' ? { type: 'integer', ...nullable } : { type: String, ...nullable };
}

/** Declares each field of a shape on a response class; a nested object names the class that declares it. */
function declareShape(
  target: object,
  shape: SummaryShape,
  docs: Partial<Record<string, FieldDocs>>,
  nested: Record<string, abstract new () => object> = {},
): void {
  for (const [field, entry] of Object.entries(shape)) {
    if (!isColumn(entry) && nested[field] === undefined) {
      throw new Error(`The summary's field ${field} is an object with no response class`);
    }
    const options: ApiPropertyOptions = isColumn(entry)
      ? { ...propertyOf(entry), ...docs[field] }
      : { type: nested[field], ...docs[field] };
    ApiProperty(options)(target, field);
  }
}

export class CustomerResponse {}
declareShape(CustomerResponse.prototype, CONVERSATION_SUMMARY.customer, CUSTOMER_FIELD_DOCS);

/** API.md's conversation summary: every field of `CONVERSATION_SUMMARY`, in its order. */
export class ConversationSummaryResponse {}
declareShape(ConversationSummaryResponse.prototype, CONVERSATION_SUMMARY, SUMMARY_FIELD_DOCS, {
  customer: CustomerResponse,
});
/** A summary as the views and the commands answer it: with `unread`, per caller, where the caller reads. */
export class SummaryWithUnreadResponse extends ConversationSummaryResponse {
  @ApiPropertyOptional({
    description:
      'Whether something happened in the conversation (its start, a customer message, a store event, an ' +
      'assignment to the caller by someone else) after the caller last read it (`POST /conversations/{id}/read`). ' +
      'Present for agents and admins who are team members',
  })
  unread?: boolean;
}

export class ConversationCommandResponse extends SummaryWithUnreadResponse {
  @ApiProperty({
    description:
      'The log position of the last event the command appended (or the current one where it appended nothing): ' +
      'pass it as `minPosition` to read your write',
    example: '1042',
  })
  position!: string;
}

export class PostedMessageResponse extends ConversationCommandResponse {
  @ApiProperty({ format: 'uuid', description: 'The message this request posted' })
  messageId!: string;
}

export class ActorResponse {
  @ApiProperty({ enum: ['member', 'integration', 'admin', 'system'] }) type!: string;
  @ApiProperty({ description: 'A member or integration id, "bootstrap-admin", or the process of the server' })
  id!: string;
}

export class MessageAuthorResponse {
  @ApiProperty({ enum: ['customer', 'member'] }) type!: string;
  @ApiProperty({ description: "The customer's id, or the member's" }) id!: string;
}

export class MessageResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: () => MessageAuthorResponse }) author!: MessageAuthorResponse;
  @ApiProperty() body!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class StoreEventItemResponse {
  @ApiProperty({ example: 'Blue scarf' }) name!: string;
  @ApiProperty({ type: 'integer', minimum: 0, example: 2 }) quantity!: number;
}

/** What a store event says of its order: each field where the store sent it. */
export class StoreEventDetailsResponse {
  @ApiPropertyOptional({ example: '#1001' }) orderNumber?: string;
  @ApiPropertyOptional({ example: '59.00', description: 'A decimal amount, as text' }) total?: string;
  @ApiPropertyOptional({ example: 'EUR', description: 'ISO 4217' }) currency?: string;
  @ApiPropertyOptional({ example: 'paid, unfulfilled' }) status?: string;
  @ApiPropertyOptional({ format: 'uri', description: 'The order in the shop (http or https)' }) url?: string;
  @ApiPropertyOptional({ type: [StoreEventItemResponse] }) items?: StoreEventItemResponse[];
}

/** One entry of the timeline: `type` says which of the optional fields it carries. */
export class TimelineEntryResponse {
  @ApiProperty({ enum: ['assigned', 'unassigned', 'closed', 'reopened', 'store_event'] }) type!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ type: () => ActorResponse }) actor!: ActorResponse;
  @ApiPropertyOptional({ format: 'uuid', description: '`assigned`: the new assignee' }) assigneeId?: string;
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: '`assigned`, `unassigned`: the assignee before',
  })
  previousAssigneeId?: string | null;
  @ApiPropertyOptional({
    enum: ['manual', 'replied', 'member_removed', 'customer_replied', 'store_event'],
    description: '`assigned`, `unassigned`, `reopened`: why',
  })
  reason?: string;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: '`store_event`, `reopened` (by a store event): the id the integration gave the event',
  })
  storeEventId?: string | null;
  @ApiPropertyOptional({ format: 'uuid', description: '`store_event`: the integration that posted it' })
  integrationId?: string;
  @ApiPropertyOptional({ description: '`store_event`: its type, e.g. order.created' }) storeEventType?: string;
  @ApiPropertyOptional({ description: '`store_event`: its line for the timeline' }) summary?: string;
  @ApiPropertyOptional({ description: '`store_event`: whether the team must act' }) requiresAction?: boolean;
  @ApiPropertyOptional({
    type: StoreEventDetailsResponse,
    nullable: true,
    description:
      '`store_event`: what it says of its order (number, total, status, link, lines); null where it said nothing',
  })
  details?: StoreEventDetailsResponse | null;
}

export class ConversationPageResponse extends ConversationSummaryResponse {
  @ApiProperty({ type: [MessageResponse], description: 'The page of messages, oldest first' })
  messages!: MessageResponse[];
  @ApiProperty({ type: [TimelineEntryResponse], description: 'The page of timeline entries, oldest first' })
  timeline!: TimelineEntryResponse[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `messagesBefore` for the page before; null where this page starts at the first message',
  })
  earlierMessagesCursor!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `timelineBefore` for the page before; null where this page starts at the first entry',
  })
  earlierTimelineCursor!: string | null;
  @ApiProperty({
    type: [ConversationSummaryResponse],
    description:
      "The customer's other conversations (the same integration's customer), newest activity first, at most 20, " +
      'as the read models have them',
  })
  customerConversations!: ConversationSummaryResponse[];
}

/** A `412`: the current summary, with the error's fields beside it. */
export class PreconditionFailedResponse extends ConversationSummaryResponse {
  @ApiProperty({ type: 'integer', example: 412 }) statusCode!: number;
  @ApiProperty({ example: 'Precondition Failed' }) error!: string;
  @ApiProperty() message!: string;
}

export const ETAG_HEADER = {
  ETag: {
    description: 'The conversation stream\'s revision, quoted (`"7"`): send it back as `If-Match`',
    schema: { type: 'string', example: '"7"' },
  },
} as const;

/** A conversation command's answer and refusals, beside the status it answers with. */
export function ConversationCommandResponses(options: {
  status: 200 | 201;
  type: typeof ConversationCommandResponse;
  description: string;
  /** Whether it acts on an existing conversation (`:id`): If-Match, 404 and 412 apply. */
  onExisting: boolean;
  /** Whether its body is a message, whose text is at most 20,000 characters. */
  carriesMessage: boolean;
}) {
  const decorators = [
    ApiBadRequestResponse({
      description:
        'A missing, ill-typed or unknown field, a malformed conversation id, `If-Match` or `Idempotency-Key`',
    }),
    ApiResponse({
      status: options.status,
      type: options.type,
      description: options.description,
      headers:
        options.status === 201
          ? {
              ...ETAG_HEADER,
              Location: { description: 'The conversation: `/conversations/<id>`', schema: { type: 'string' } },
            }
          : ETAG_HEADER,
    }),
    ApiConflictResponse({
      description: 'Other writers kept changing the conversation while this command was decided: read and retry',
    }),
    ApiUnprocessableEntityResponse({
      description:
        'A well-formed command naming something that cannot take it (an assignee who is no active agent or admin, ' +
        'the bootstrap admin as author or assignee), or an Idempotency-Key reused for another request',
    }),
  ];
  if (options.carriesMessage) {
    decorators.push(
      ApiPayloadTooLargeResponse({ description: 'A message `body` over 20,000 characters, or a body over 1 MiB' }),
    );
  }
  if (options.onExisting) {
    decorators.push(
      ApiHeader({
        name: 'If-Match',
        required: false,
        description:
          'The ETag of `GET /conversations/{id}` (`"<revision>"`): carry the command out only at that revision',
        schema: { type: 'string', pattern: '^(W/)?"[0-9]+"$', example: '"7"' },
      }),
      ApiNotFoundResponse({
        description: "No such conversation (or one of another integration's customer, to an integration)",
      }),
      ApiPreconditionFailedResponse({
        description: '`If-Match` names another revision: the current summary, with the current ETag',
        type: PreconditionFailedResponse,
        headers: ETAG_HEADER,
      }),
    );
  }
  return applyDecorators(...decorators);
}
