import type { JsonObject, RecordedEvent, RecordedOf } from '../event-store';

/** An event as a decider speaks it: its type and data, before the store gives it an id and a place. */
export interface DomainEvent<Type extends string = string, Data extends JsonObject = JsonObject> {
  type: Type;
  data: Data;
}

/** A domain event as the store recorded it: typed by the union it belongs to. */
export type Recorded<Event extends DomainEvent> = RecordedOf<Event>;

/**
 * A type guard for one union's events among others (the log, a projection's input): by their types, which
 * name their data's shape.
 */
export function recordedOneOf<Event extends DomainEvent>(
  types: readonly Event['type'][],
): (event: RecordedEvent) => event is Recorded<Event> {
  const known = new Set<string>(types);
  return (event): event is Recorded<Event> => known.has(event.type);
}

/**
 * The rules of one kind of stream, after Emmett's and Chassaing's decider: `decide` turns a command and the
 * state folded from the stream's events into the events that follow (none: nothing to do; a thrown
 * `DomainError`: refused); `evolve` folds one event into the state. Pure: no clock, no store, no framework.
 */
export interface Decider<State, Command, Event extends DomainEvent> {
  initialState: State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
  /** Whether a recorded event is one of this stream's (a stream may hold events it does not fold). */
  isEvent?(event: RecordedEvent): boolean;
}
