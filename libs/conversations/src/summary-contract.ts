/**
 * The conversation summary's one definition: each field's JSON name (the key), the read models' column
 * that holds it and its type. Everything else is derived from it: the server's `ConversationSummary`, the
 * columns of `conversation_summaries`, the SQL that writes a row as the summary's JSON (`SUMMARY_JSON`) and
 * the web UI's `Summary` (generated: `apps/inbox-web/src/summary.generated.ts`). The order of the fields is
 * the order of the keys on the wire, and of the table's columns.
 *
 * Free of imports, Nest's and the rest of the library's: the pages thread loads it on its own.
 */

/** A column of `conversation_summaries` and the JSON value it holds, of TypeScript type `T`. */
export interface SummaryColumn<T = unknown, Name extends string = string> {
  readonly column: Name;
  readonly sqlType: 'TEXT' | 'INTEGER';
  /** How the table declares it after its type: `PRIMARY KEY`, `NOT NULL` or nothing (it may be null). */
  readonly constraint: 'PRIMARY KEY' | 'NOT NULL' | '';
  /** `T` as TypeScript spells it: what the web UI's generated type says. */
  readonly typeScript: string;
  /** The values it may hold, where it is one of a few strings (the status). */
  readonly values?: readonly string[];
  /** Never set: carries `T` to the derived type. */
  readonly valueType?: T;
}

/** The summary's fields, or an object's within it (the customer): JSON name to column or nested object. */
export interface SummaryShape {
  readonly [jsonName: string]: SummaryColumn | SummaryShape;
}

function column<T, const Name extends string>(
  name: Name,
  sqlType: SummaryColumn['sqlType'],
  constraint: SummaryColumn['constraint'],
  typeScript: string,
): SummaryColumn<T, Name> {
  return { column: name, sqlType, constraint, typeScript };
}

const key = <const Name extends string>(name: Name) => column<string, Name>(name, 'TEXT', 'PRIMARY KEY', 'string');
const text = <const Name extends string>(name: Name) => column<string, Name>(name, 'TEXT', 'NOT NULL', 'string');
const optionalText = <const Name extends string>(name: Name) =>
  column<string | null, Name>(name, 'TEXT', '', 'string | null');
const integer = <const Name extends string>(name: Name) => column<number, Name>(name, 'INTEGER', 'NOT NULL', 'number');
function oneOf<const Name extends string, const Values extends readonly string[]>(
  name: Name,
  values: Values,
): SummaryColumn<Values[number], Name> {
  const union = values.map((value) => `'${value}'`).join(' | ');
  return { ...column<Values[number], Name>(name, 'TEXT', 'NOT NULL', union), values };
}

/** API.md's conversation summary. */
export const CONVERSATION_SUMMARY = {
  id: key('id'),
  subject: optionalText('subject'),
  customer: {
    id: text('customer_id'),
    name: optionalText('customer_name'),
    email: optionalText('customer_email'),
  },
  status: oneOf('status', ['open', 'closed']),
  assigneeId: optionalText('assignee_id'),
  lastActivityAt: text('last_activity_at'),
  lastMessagePreview: optionalText('last_message_preview'),
  messageCount: integer('message_count'),
  /** The conversation stream's revision: the ETag, and what `If-Match` names. */
  revision: integer('revision'),
} as const satisfies SummaryShape;

/** The value a shape describes: a column's type, or an object of its fields' values. */
export type SummaryValue<Shape> = {
  -readonly [Field in keyof Shape]: Shape[Field] extends SummaryColumn<infer T> ? T : SummaryValue<Shape[Field]>;
};

/** What a client sees of a conversation in a list, and of a command's effect (API.md). */
export type ConversationSummary = SummaryValue<typeof CONVERSATION_SUMMARY>;

/** The column names a shape uses. */
type ColumnNames<Shape> = {
  [Field in keyof Shape]: Shape[Field] extends SummaryColumn<unknown, infer Name> ? Name : ColumnNames<Shape[Field]>;
}[keyof Shape];

export type SummaryColumnName = ColumnNames<typeof CONVERSATION_SUMMARY>;

function isColumn(entry: SummaryColumn | SummaryShape): entry is SummaryColumn {
  return typeof entry.column === 'string';
}

function columnsOf(shape: SummaryShape): SummaryColumn[] {
  return Object.values(shape).flatMap((entry) => (isColumn(entry) ? [entry] : columnsOf(entry)));
}

/** The summary's columns, in the table's order (the fields' order, the customer's in its place). */
export const SUMMARY_COLUMNS: readonly SummaryColumn[] = columnsOf(CONVERSATION_SUMMARY);

/** The summary's columns as `CREATE TABLE` declares them, each on a line of its own. */
export const SUMMARY_COLUMN_DEFINITIONS: readonly string[] = SUMMARY_COLUMNS.map(
  ({ column: name, sqlType, constraint }) => `${name.padEnd(20)} ${sqlType} ${constraint}`.trimEnd(),
);

/** SQLite's `json_object` of a shape: the top level a pair a line, as it reads in a query plan or a log. */
function jsonObjectOf(shape: SummaryShape, topLevel: boolean): string {
  const pairs = Object.entries(shape).map(
    ([jsonName, entry]) => `'${jsonName}', ${isColumn(entry) ? entry.column : jsonObjectOf(entry, false)}`,
  );
  return topLevel ? `json_object(\n  ${pairs.join(',\n  ')})` : `json_object(${pairs.join(', ')})`;
}

/**
 * A row as `ConversationSummary`'s JSON, made by SQLite: the views send their pages as SQLite writes them,
 * where building an object a row and serialising it again cost half of a 50-row page.
 */
export const SUMMARY_JSON = jsonObjectOf(CONVERSATION_SUMMARY, true);

/**
 * `SUMMARY_JSON` with fields after the summary's own, each an SQL expression of a JSON value: what a page adds
 * for its caller (`unread`), which is no field of the shared row.
 */
export function summaryJsonWith(fields: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(fields).map(([jsonName, value]) => `,\n  '${jsonName}', ${value}`);
  return `${SUMMARY_JSON.slice(0, -1)}${pairs.join('')})`;
}

function interfaceOf(name: string, shape: SummaryShape, names: ReadonlyMap<SummaryShape, string>): string {
  const fields = Object.entries(shape).map(([jsonName, entry]) => {
    const type = isColumn(entry) ? entry.typeScript : names.get(entry);
    if (type === undefined) throw new Error(`The summary's field ${jsonName} is an object with no interface name`);
    return `  ${jsonName}: ${type};`;
  });
  return `export interface ${name} {\n${fields.join('\n')}\n}\n`;
}

/**
 * The web UI's types, as its generated module holds them: the UI is built on its own (its own tsconfig,
 * for the browser, rooted in its folder) and cannot import this file. Each nested object is an interface
 * of the name given here.
 */
export function webSummaryModule(): string {
  const names = new Map<SummaryShape, string>([[CONVERSATION_SUMMARY.customer, 'Customer']]);
  return [
    '// Generated from libs/conversations/src/summary-contract.ts by',
    '// `node -r @swc-node/register libs/conversations/src/testing/write-web-summary.ts`: edit that, not this.',
    '',
    ...[...names].map(([shape, name]) => interfaceOf(name, shape, names)),
    interfaceOf('Summary', CONVERSATION_SUMMARY, names),
  ].join('\n');
}
