/**
 * Long reads (an audit export, a long conversation, a full history) share the event loop in turns.
 *
 * Each reads the log a slice at a time and waits for a turn between slices; one slice runs per turn of the
 * event loop, whoever is waiting, in the order they asked. A request that arrives meanwhile (a command,
 * `/health`) waits behind at most one slice, however many long reads are under way. A slice holds at most
 * its own events, so a reader's memory is bounded by its slice, not by what it reads in all.
 */
import { collect } from './collect';
import type { EventStore, Position, RecordedEvent, StreamRevision } from './event-store';

const waitingForTurn: (() => void)[] = [];
let turnScheduled = false;

/**
 * Resolves in a later turn of the event loop than the caller's, after every I/O callback due meanwhile and
 * after the long reads that asked before it had a slice each.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    waitingForTurn.push(resolve);
    scheduleTurn();
  });
}

function scheduleTurn(): void {
  if (turnScheduled) return;
  turnScheduled = true;
  // setImmediate: the poll phase (incoming requests, sockets ready to write) runs between two turns.
  setImmediate(grantTurn);
}

function grantTurn(): void {
  turnScheduled = false;
  const reader = waitingForTurn.shift();
  // Scheduled during this turn's check phase, the next grant runs in the next turn of the loop.
  if (waitingForTurn.length > 0) scheduleTurn();
  reader?.();
}

/**
 * Reads a stream from `fromRevision` a slice of `sliceSize` events at a time, each slice after the first in
 * a turn of its own, and yields what `take` makes of each. `take` is handed the slice and must not keep it:
 * the slice is let go before the next turn (one held across turns outlives the young generation, and the
 * collector then keeps it until a full collection).
 */
export function readStreamInTurns<Out>(
  store: EventStore,
  streamId: string,
  options: { sliceSize: number; fromRevision?: StreamRevision },
  take: (slice: RecordedEvent[]) => Out,
): AsyncGenerator<Out> {
  let fromRevision = options.fromRevision ?? 0n;
  const readNext = async (limit: number): Promise<RecordedEvent[]> => {
    const slice = await collect(store.readStream(streamId, { fromRevision, limit }));
    if (slice.length > 0) fromRevision = slice[slice.length - 1].revision + 1n;
    return slice;
  };
  return inTurns(options.sliceSize, readNext, take);
}

/** As `readStreamInTurns`, over the log's events after `fromPosition`. */
export function readAllInTurns<Out>(
  store: EventStore,
  options: { sliceSize: number; fromPosition?: Position },
  take: (slice: RecordedEvent[]) => Out,
): AsyncGenerator<Out> {
  let fromPosition = options.fromPosition;
  const readNext = async (limit: number): Promise<RecordedEvent[]> => {
    const slice = await collect(store.readAll({ fromPosition, limit }));
    if (slice.length > 0) fromPosition = slice[slice.length - 1].position;
    return slice;
  };
  return inTurns(options.sliceSize, readNext, take);
}

async function* inTurns<Out>(
  sliceSize: number,
  readNext: (limit: number) => Promise<RecordedEvent[]>,
  take: (slice: RecordedEvent[]) => Out,
): AsyncGenerator<Out> {
  for (let first = true, full = true; full; first = false) {
    if (!first) await nextTurn();
    let slice: RecordedEvent[] | undefined = await readNext(sliceSize);
    full = slice.length === sliceSize;
    const taken = slice.length > 0 ? { out: take(slice) } : undefined;
    slice = undefined;
    if (taken) yield taken.out;
  }
}
