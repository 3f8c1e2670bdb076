/**
 * A stand-in for an EventStoreDB server, over gRPC with the client's own protocol definitions, so that the
 * real client (and so the adapter's behaviour on the wire) meets a server that is down, comes back, or
 * takes the connection and never answers. It knows what the server's code asks of it: appends (taken as
 * they come, expected revisions not checked), forward reads of one stream, and subscriptions to `$all`;
 * other reads of `$all` are empty. No EventStoreDB server can run on these machines.
 */
import {
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerReadableStream,
  type ServerWritableStream,
} from '@grpc/grpc-js';
import { StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { AppendReq, AppendResp, ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb';

interface StoredEvent {
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  metadata: Uint8Array;
  position: bigint;
}

export interface FakeEventStoreDb {
  /** Events it has taken, by stream. */
  readonly streams: Map<string, StoredEvent[]>;
  stop(): Promise<void>;
}

const TICKS_PER_MILLISECOND = 10_000n;

function recordedEvent(streamId: string, revision: number, event: StoredEvent): ReadResp {
  const identifier = new StreamIdentifier();
  identifier.setStreamName(Buffer.from(streamId));
  const id = new UUID();
  id.setString(event.id);
  const recorded = new ReadResp.ReadEvent.RecordedEvent();
  recorded.setId(id);
  recorded.setStreamIdentifier(identifier);
  recorded.setStreamRevision(String(revision));
  recorded.setCommitPosition(event.position.toString());
  recorded.setPreparePosition(event.position.toString());
  recorded.getMetadataMap().set('type', event.type);
  recorded.getMetadataMap().set('content-type', event.contentType);
  recorded.getMetadataMap().set('created', (BigInt(Date.now()) * TICKS_PER_MILLISECOND).toString());
  recorded.setData(event.data);
  recorded.setCustomMetadata(event.metadata);
  const read = new ReadResp.ReadEvent();
  read.setEvent(recorded);
  read.setCommitPosition(event.position.toString());
  const response = new ReadResp();
  response.setEvent(read);
  return response;
}

/** `silent`: it takes appends and never answers them, as a server that hangs. */
export async function startFakeEventStoreDb(
  port: number,
  options: { silent?: boolean } = {},
): Promise<FakeEventStoreDb> {
  const streams = new Map<string, StoredEvent[]>();
  const log: { streamId: string; revision: number; event: StoredEvent }[] = [];
  const subscribers = new Set<(entry: (typeof log)[number]) => void>();
  let position = 0n;
  const server = new Server();
  server.addService(StreamsService, {
    read: (call: ServerWritableStream<ReadReq, ReadResp>) => {
      const options = call.request.getOptions();
      const stream = options?.getStream();
      if (options?.hasSubscription()) {
        const confirmation = new ReadResp.SubscriptionConfirmation();
        confirmation.setSubscriptionId('fake');
        call.write(new ReadResp().setConfirmation(confirmation));
        const all = options.getAll();
        const after = all?.hasStart() ? -1n : BigInt(all?.getPosition()?.getCommitPosition() ?? '-1');
        const send = (entry: (typeof log)[number]): void => {
          if (entry.event.position > after) call.write(recordedEvent(entry.streamId, entry.revision, entry.event));
        };
        log.forEach(send);
        subscribers.add(send);
        call.on('cancelled', () => subscribers.delete(send));
        return; // open until the client unsubscribes
      }
      if (stream) {
        const streamId = Buffer.from(stream.getStreamIdentifier()!.getStreamName_asU8()).toString();
        const from = stream.hasStart() ? 0 : Number(stream.getRevision());
        const events = streams.get(streamId) ?? [];
        for (let revision = from; revision < events.length; revision++) {
          call.write(recordedEvent(streamId, revision, events[revision]));
        }
      }
      call.end();
    },
    append: (call: ServerReadableStream<AppendReq, AppendResp>, callback: sendUnaryData<AppendResp>) => {
      let streamId = '';
      const proposed: Omit<StoredEvent, 'position'>[] = [];
      call.on('data', (request: AppendReq) => {
        if (request.hasOptions()) {
          streamId = Buffer.from(request.getOptions()!.getStreamIdentifier()!.getStreamName_asU8()).toString();
        }
        const message = request.getProposedMessage();
        if (message) {
          proposed.push({
            id: message.getId()!.getString(),
            type: message.getMetadataMap().get('type') ?? '',
            contentType: message.getMetadataMap().get('content-type') ?? 'application/json',
            data: message.getData_asU8(),
            metadata: message.getCustomMetadata_asU8(),
          });
        }
      });
      call.on('end', () => {
        if (options.silent) return;
        const events = streams.get(streamId) ?? [];
        streams.set(streamId, events);
        for (const proposal of proposed) {
          const entry = { streamId, revision: events.length, event: { ...proposal, position: (position += 100n) } };
          events.push(entry.event);
          log.push(entry);
          subscribers.forEach((send) => send(entry));
        }
        const total = events.length;
        const at = new AppendResp.Position();
        at.setCommitPosition(position.toString());
        at.setPreparePosition(position.toString());
        const success = new AppendResp.Success();
        success.setCurrentRevision(String(total - 1));
        success.setPosition(at);
        const response = new AppendResp();
        response.setSuccess(success);
        callback(null, response);
      });
    },
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error) =>
      error ? reject(error) : resolve(),
    ),
  );
  return {
    streams,
    stop: async () => {
      server.forceShutdown();
      await new Promise((resolve) => setTimeout(resolve, 50)); // the port is free again
    },
  };
}
