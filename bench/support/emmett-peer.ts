/**
 * The peer's side of the comparison: the same command workload through Emmett (`@event-driven-io/emmett`
 * 0.38.5 with its SQLite event store, `@event-driven-io/emmett-sqlite` 0.38.5, a dev dependency of the
 * benchmark only), in-process, with Emmett's own command handling (`DeciderCommandHandler`: aggregate the
 * stream, decide, append at the version read) and this project's decider, so both sides run the same rules
 * and write the same events with the same metadata.
 *
 * Two connection configurations:
 * - `per-operation`: `getSQLiteEventStore({ fileName })` as documented. In 0.38.5 the store opens a
 *   connection for an operation and closes it when that operation ends, while concurrent operations share
 *   whatever connection is open at the time; with more than one command in flight they fail (or the
 *   connection's 'error' event, unheard, becomes an uncaught exception).
 * - `shared`: one `sqliteConnection` for the run, driven by Emmett's own SQLite functions (`readStream`,
 *   `appendToStream`, `createEventStoreSchema`), which is what the store does minus opening and closing.
 *   0.38.5 has no option for this (later versions take `connectionOptions.connection`). Concurrent appends
 *   on it nest into one transaction (Emmett's `withTransaction` counts nesting on the connection).
 *
 * Errors the peer raises outside a command (uncaught exceptions, unhandled rejections) are counted under
 * `uncaught: <message>` rather than ending the process; Emmett's `console.log` of a failed transaction is
 * muted during the run.
 */
import {
  DeciderCommandHandler,
  ExpectedVersionConflictError,
  type AggregateStreamOptions,
  type Command,
  type Event,
  type EventStore,
  type ReadStreamOptions,
} from '@event-driven-io/emmett';
import {
  appendToStream,
  createEventStoreSchema,
  getSQLiteEventStore,
  readStream,
  sqliteConnection,
  type SQLiteReadEventMetadata,
} from '@event-driven-io/emmett-sqlite';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { eventMetadata, type CommandContext, type EventMetadata } from '../../libs/core/src';
import {
  decide,
  evolve,
  initialState,
  type ConversationCommand,
  type ConversationState,
} from '../../libs/conversations/src/domain/conversation.decider';
import { conversationStreamId, type ConversationEvent } from '../../libs/conversations/src/domain/conversation.events';
import { BOB, commandForStep, runCommandWorkload, type WorkloadResult } from './command-workload';

export type EmmettConnection = 'per-operation' | 'shared';

/** Our command and its event metadata, as an Emmett command. */
type PeerCommand = Command<ConversationCommand['type'], { command: ConversationCommand; metadata: EventMetadata }>;
/** Our event with the metadata our side writes. */
type PeerEvent = ConversationEvent & { metadata: EventMetadata };

const handle = DeciderCommandHandler<ConversationState, PeerCommand, PeerEvent>({
  decide: ({ data }, state) => decide(data.command, state).map((event) => ({ ...event, metadata: data.metadata })),
  evolve: (state, event) => evolve(state, event),
  initialState: () => initialState,
});

export async function runEmmettPeer(
  dir: string,
  options: { conversations: number; inFlight: number; connection: EmmettConnection },
): Promise<WorkloadResult> {
  const fileName = join(dir, `emmett-${options.connection}.sqlite`);
  const { store, close } =
    options.connection === 'shared' ? sharedConnectionStore(fileName) : { store: getSQLiteEventStore({ fileName }) };
  const ids = Array.from({ length: options.conversations }, () => randomUUID());
  const uncaught: Record<string, number> = {};
  const count = (error: unknown): void => {
    const message = `uncaught: ${error instanceof Error ? error.message : String(error)}`.slice(0, 80);
    uncaught[message] = (uncaught[message] ?? 0) + 1;
  };
  const restoreConsole = muteConsoleLog();
  process.on('uncaughtException', count);
  process.on('unhandledRejection', count);
  try {
    const result = await runCommandWorkload(options, async (conversation, step) => {
      const context: CommandContext = {
        actor: { type: step === 'start' ? 'integration' : 'member', id: step === 'start' ? 'chat' : BOB },
        occurredAt: new Date(),
        correlationId: randomUUID(),
      };
      const command = commandForStep(ids[conversation], step);
      await handle(store, conversationStreamId(command.conversationId), {
        type: command.type,
        data: { command, metadata: eventMetadata(context) },
      });
    });
    // Let a connection's late 'error' events surface before the guard goes.
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const [message, times] of Object.entries(uncaught)) result.errors[message] = times;
    return result;
  } finally {
    restoreConsole();
    process.off('uncaughtException', count);
    process.off('unhandledRejection', count);
    close?.();
  }
}

/** Emmett's SQLite event store over one connection kept open for the run. */
function sharedConnectionStore(fileName: string): {
  store: EventStore<SQLiteReadEventMetadata>;
  close: () => void;
} {
  const connection = sqliteConnection({ fileName });
  let schema: Promise<void> | undefined;
  const ready = (): Promise<void> => (schema ??= createEventStoreSchema(connection));
  const store: EventStore<SQLiteReadEventMetadata> = {
    async aggregateStream<State, EventType extends Event>(
      streamName: string,
      { evolve: fold, initialState: initial, read }: AggregateStreamOptions<State, EventType, SQLiteReadEventMetadata>,
    ) {
      await ready();
      const { currentStreamVersion, events, streamExists } = await readStream<EventType>(connection, streamName, read);
      let state = initial();
      for (const event of events) state = fold(state, event);
      return { currentStreamVersion, state, streamExists };
    },
    async readStream(streamName, read?: ReadStreamOptions<bigint>) {
      await ready();
      return readStream(connection, streamName, read);
    },
    async appendToStream(streamName, events, append) {
      await ready();
      const result = await appendToStream(connection, streamName, streamName.split('-')[0], events, append);
      if (!result.success) throw new ExpectedVersionConflictError(-1n, append?.expectedStreamVersion ?? -1n);
      return {
        nextExpectedStreamVersion: result.nextStreamPosition,
        lastEventGlobalPosition: result.lastGlobalPosition,
        createdNewStream: result.nextStreamPosition === BigInt(events.length),
      };
    },
  };
  return { store, close: () => connection.close() };
}

/** Emmett 0.38.5 `console.log`s every error inside a transaction; muted for the run, restored after. */
function muteConsoleLog(): () => void {
  /* eslint-disable no-console -- the peer's own logging, not ours */
  const log = console.log;
  console.log = () => undefined;
  return () => {
    console.log = log;
  };
  /* eslint-enable no-console */
}
