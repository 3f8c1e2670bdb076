/**
 * One page of a conversation, read from its stream in two passes, each a slice of events at a time in turns
 * with other long reads: the whole stream for the summary and where the pages lie (no message body kept),
 * then the stretch of each page for its entries. What is held at once is a slice and a page, whatever the
 * conversation's length.
 */
import { readStreamInTurns, type EventStore, type RecordedEvent } from '@team-inbox/event-store';
import { conversationStreamId } from './domain/conversation.events';
import {
  ConversationOutlineFold,
  messageOf,
  timelineEntryOf,
  type ConversationPage,
  type ListPage,
  type PageWindow,
} from './domain/conversation.view';

/** Events per slice: small enough that a slice of the longest messages stays a few megabytes. */
const EVENTS_PER_SLICE = 50;

/** Undefined where there is no such conversation. */
export async function readConversationPage(
  store: EventStore,
  conversationId: string,
  windows: { messages: PageWindow; timeline: PageWindow },
): Promise<ConversationPage | undefined> {
  const streamId = conversationStreamId(conversationId);
  const fold = new ConversationOutlineFold(windows);
  // A stream that fits in one slice (most) is kept for its entries: no second read, and no turn was waited
  // with it in hand.
  let slicesRead = 0;
  let wholeStream: RecordedEvent[] | undefined;
  const folding = readStreamInTurns(store, streamId, { sliceSize: EVENTS_PER_SLICE }, (slice) => {
    for (const event of slice) fold.add(event);
    wholeStream = ++slicesRead === 1 && slice.length < EVENTS_PER_SLICE ? slice : undefined;
  });
  for await (const _folded of folding); // each slice is folded as it is read
  const outline = fold.outline();
  if (!outline) return undefined;
  const entries = <Entry>(page: ListPage, entryOf: (event: RecordedEvent) => Entry | undefined) =>
    wholeStream ? pick(wholeStream, page, entryOf) : readEntries(store, streamId, page, entryOf);
  return {
    ...outline.summary,
    messages: await entries(outline.messages, messageOf),
    earlierMessagesCursor: outline.messages.earlierCursor,
    timeline: await entries(outline.timeline, timelineEntryOf),
    earlierTimelineCursor: outline.timeline.earlierCursor,
  };
}

/** The entries at a page's revisions, read from its first to its last. */
async function readEntries<Entry>(
  store: EventStore,
  streamId: string,
  page: ListPage,
  entryOf: (event: RecordedEvent) => Entry | undefined,
): Promise<Entry[]> {
  const entries: Entry[] = [];
  if (page.revisions.length === 0) return entries;
  const last = page.revisions[page.revisions.length - 1];
  const fromRevision = BigInt(page.revisions[0]);
  const reading = readStreamInTurns(store, streamId, { sliceSize: EVENTS_PER_SLICE, fromRevision }, (slice) => {
    entries.push(...pick(slice, page, entryOf));
    return Number(slice[slice.length - 1].revision);
  });
  for await (const lastRead of reading) if (lastRead >= last) break;
  return entries;
}

/** The entries among `events` at the page's revisions. */
function pick<Entry>(
  events: readonly RecordedEvent[],
  page: ListPage,
  entryOf: (event: RecordedEvent) => Entry | undefined,
): Entry[] {
  const wanted = new Set(page.revisions);
  const entries: Entry[] = [];
  for (const event of events) {
    const entry = wanted.has(Number(event.revision)) ? entryOf(event) : undefined;
    if (entry !== undefined) entries.push(entry);
  }
  return entries;
}
