/**
 * What a page adds for its caller: each summary's `unread` (API.md 1.1), read from the caller's mark on the
 * conversation (`unread_marks`, kept by the unread projection) by its key, one lookup a row. A conversation
 * the caller has no mark on, or is not caught up on, is unread. Pages asked for no reader (a caller who has
 * no read marks: the bootstrap admin, an auditor) carry no `unread`.
 *
 * Free of Nest: the pages thread loads it on its own.
 */
// From the file, not the library's index: the pages thread loads only what it needs (its heap is small).
import { SUMMARY_JSON, summaryJsonWith } from '@team-inbox/conversations/summary-contract';

const MARKS = 'caller_marks';

/** The summary's JSON for a page's rows, with `unread` where the page is read for a reader. */
export function summaryJsonFor(reader: boolean): string {
  return reader
    ? summaryJsonWith({ unread: `json(CASE WHEN ${MARKS}.caught_up = 1 THEN 'false' ELSE 'true' END)` })
    : SUMMARY_JSON;
}

/**
 * The join that finds the reader's mark on each row (`@readerId`), where the page is read for a reader;
 * `idColumn` names the summary's id in the query it joins.
 */
export function unreadJoinFor(reader: boolean, idColumn: string): string {
  return reader
    ? ` LEFT JOIN unread_marks AS ${MARKS} ON ${MARKS}.conversation_id = ${idColumn} AND ${MARKS}.member_id = @readerId`
    : '';
}
