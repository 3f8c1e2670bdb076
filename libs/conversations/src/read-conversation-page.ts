/**
 * One page of a conversation, read from its stream in two passes, each a slice of events at a time in turns
 * with other long reads: the whole stream for the summary and where the pages lie (no message body kept),
 * then the stretch of each page for its entries, the oldest let go while the page's JSON would pass its byte
 * budget. What a request holds at once is a slice and a page, whatever the conversation's length and
 * whatever its messages hold; and only a few requests at a time hold a page across turns, the others
 * waiting for one of them to answer, holding nothing.
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
import { jsonBytes } from './domain/json-bytes';

/**
 * Events per slice: a slice of the longest messages (control characters, six bytes of stored JSON each)
 * stays around a megabyte; many requests' slices, let go turn after turn, are garbage to collect.
 */
const EVENTS_PER_SLICE = 10;
/**
 * A stream this short (most are), whose messages are this short, is kept as it is read, for its entries:
 * no second read. What it holds across turns is small, however many requests hold one.
 */
const STREAM_IN_HAND = { events: 50, messageCharacters: 64 * 1024 };
/**
 * How many requests may hold a page's entries across turns at once, all conversations together: what pages
 * hold in all is a few pages' worth, however many clients ask at once.
 */
const PAGES_HELD_AT_ONCE = 4;

type EntryOf<Entry> = (event: RecordedEvent) => Entry | undefined;
type ReadList = <Entry>(page: ListPage, window: PageWindow, entryOf: EntryOf<Entry>) => Promise<ListEntries<Entry>>;

/** Undefined where there is no such conversation. */
export async function readConversationPage(
  store: EventStore,
  conversationId: string,
  windows: { messages: PageWindow; timeline: PageWindow },
): Promise<ConversationPage | undefined> {
  const streamId = conversationStreamId(conversationId);
  const fold = new ConversationOutlineFold(windows);
  let inHand: RecordedEvent[] | undefined = [];
  let messageCharactersInHand = 0;
  const folding = readStreamInTurns(store, streamId, { sliceSize: EVENTS_PER_SLICE }, (slice) => {
    for (const event of slice) fold.add(event);
    if (!inHand) return;
    for (const event of slice) messageCharactersInHand += messageOf(event)?.body.length ?? 0;
    const fits =
      inHand.length + slice.length <= STREAM_IN_HAND.events &&
      messageCharactersInHand <= STREAM_IN_HAND.messageCharacters;
    if (fits) inHand.push(...slice);
    else inHand = undefined;
  });
  for await (const _folded of folding); // each slice is folded as it is read
  const outline = fold.outline();
  if (!outline) return undefined;
  const page = async (readList: ReadList): Promise<ConversationPage> => {
    const messages = await readList(outline.messages, windows.messages, messageOf);
    const timeline = await readList(outline.timeline, windows.timeline, timelineEntryOf);
    return {
      ...outline.summary,
      messages: messages.entries,
      earlierMessagesCursor: messages.earlierCursor,
      timeline: timeline.entries,
      earlierTimelineCursor: timeline.earlierCursor,
    };
  };
  const stream = inHand;
  // Made from the stream in hand within this turn, the page holds nothing across turns: no slot to wait for.
  if (stream) return page(async (list, window, entryOf) => pick(stream, list, window, entryOf));
  return pagesHeld.run(() => page((list, window, entryOf) => readEntries(store, streamId, list, window, entryOf)));
}

interface ListEntries<Entry> {
  entries: Entry[];
  earlierCursor: string | null;
}

/** The entries at a page's revisions, read from its first to its last. */
async function readEntries<Entry>(
  store: EventStore,
  streamId: string,
  page: ListPage,
  window: PageWindow,
  entryOf: EntryOf<Entry>,
): Promise<ListEntries<Entry>> {
  const entries = new EntriesWithinBudget(page, window, entryOf);
  if (page.revisions.length === 0) return entries.list();
  const last = page.revisions[page.revisions.length - 1];
  const fromRevision = BigInt(page.revisions[0]);
  const reading = readStreamInTurns(store, streamId, { sliceSize: EVENTS_PER_SLICE, fromRevision }, (slice) => {
    for (const event of slice) entries.offer(event);
    return Number(slice[slice.length - 1].revision);
  });
  for await (const lastRead of reading) if (lastRead >= last) break;
  return entries.list();
}

/** The entries among `events` at the page's revisions. */
function pick<Entry>(
  events: readonly RecordedEvent[],
  page: ListPage,
  window: PageWindow,
  entryOf: EntryOf<Entry>,
): ListEntries<Entry> {
  const entries = new EntriesWithinBudget(page, window, entryOf);
  for (const event of events) entries.offer(event);
  return entries.list();
}

/**
 * A page's entries as they are read, oldest first: where their JSON as an array would pass the window's
 * `maxBytes`, the oldest are let go (never the newest), and the page's cursor becomes the first one kept.
 * What is held is the budget and one entry.
 */
class EntriesWithinBudget<Entry> {
  private readonly wanted: Set<number>;
  private readonly kept: { revision: number; entry: Entry; bytes: number }[] = [];
  /** `[]`, and each kept entry with its comma but the first's. */
  private keptBytes = '[]'.length;
  private droppedAny = false;

  constructor(
    private readonly page: ListPage,
    private readonly window: PageWindow,
    private readonly entryOf: EntryOf<Entry>,
  ) {
    this.wanted = new Set(page.revisions);
  }

  offer(event: RecordedEvent): void {
    const revision = Number(event.revision);
    const entry = this.wanted.has(revision) ? this.entryOf(event) : undefined;
    if (entry === undefined) return;
    const maxBytes = this.window.maxBytes;
    const bytes = maxBytes === undefined ? 0 : jsonBytes(entry);
    this.keptBytes += bytes + (this.kept.length > 0 ? ','.length : 0);
    this.kept.push({ revision, entry, bytes });
    while (maxBytes !== undefined && this.kept.length > 1 && this.keptBytes > maxBytes) {
      this.keptBytes -= this.kept.shift()!.bytes + ','.length;
      this.droppedAny = true;
    }
  }

  list(): ListEntries<Entry> {
    const earlierCursor = this.droppedAny ? String(this.kept[0].revision) : this.page.earlierCursor;
    return { entries: this.kept.map((kept) => kept.entry), earlierCursor };
  }
}

/** At most `count` tasks run at once; the others wait, first come first served. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(count: number) {
    this.free = count;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, if any, so that a newcomer cannot take it first.
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

const pagesHeld = new Slots(PAGES_HELD_AT_ONCE);
