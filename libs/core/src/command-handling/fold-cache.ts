import type { Position, StreamRevision } from '../event-store';

/** A stream's events folded: the state as of its first `length` events, and where the last of them is. */
export interface FoldedStream<State> {
  state: State;
  length: number;
  last: { revision: StreamRevision; position: Position } | undefined;
}

/**
 * Where `handleCommand` keeps folds between commands, so that a command reads only what was appended after
 * what is remembered. Events are immutable and a stream only grows, so a remembered fold stays true of the
 * stream's start; another process's appends since are caught by the store's revision check.
 */
export interface FoldCache<State> {
  get(streamId: string): FoldedStream<State> | undefined;
  remember(streamId: string, folded: FoldedStream<State>): void;
}

/**
 * A bounded `FoldCache`, the least recently used stream dropped first. Only folds are kept, never events: a
 * remembered event (data, metadata, date) outlives the young generation, and the collector walks it.
 */
export class LruFoldCache<State> implements FoldCache<State> {
  private readonly streams = new Map<string, FoldedStream<State>>();

  constructor(private readonly capacity: number) {}

  get(streamId: string): FoldedStream<State> | undefined {
    return this.streams.get(streamId);
  }

  remember(streamId: string, folded: FoldedStream<State>): void {
    this.streams.delete(streamId); // re-inserted last: the most recently used
    this.streams.set(streamId, folded);
    if (this.streams.size > this.capacity) this.streams.delete(this.streams.keys().next().value!);
  }

  get size(): number {
    return this.streams.size;
  }
}
