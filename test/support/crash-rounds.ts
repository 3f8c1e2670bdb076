/**
 * Crash under load: one round of what `test/crash-under-load.e2e-spec.ts` runs five times and `npm run soak`
 * runs for minutes. The server runs as its own process on a DATA_DIR; concurrent clients send commands and
 * record every acknowledged (2xx) one; the server is killed with SIGKILL at a seeded random moment and
 * restarted; every command left unanswered is sent again with its Idempotency-Key, as a client should; the
 * server catches up and is stopped with SIGTERM. Then the files are checked: every acknowledged command's
 * events are in the log, from exactly one append, and the read models equal a rebuild from the log.
 *
 * Each client owns its conversations and has one request in flight, so it knows their state exactly and
 * sends only commands that append: a lost or duplicated event always shows.
 */
import { customerEmailStreamId, customerStreamId } from '@team-inbox/conversations';
import { deterministicUuid } from '@team-inbox/core';
import { pick, seededRandom } from '@team-inbox/core/testing/seeded-random';
import { SqliteEventStore, sqliteEventStoreFile } from '@team-inbox/event-store';
import {
  PROJECTOR_CHECKPOINT,
  openReadModelDatabase,
  readCheckpoint,
  readModelFile,
  replayInto,
} from '@team-inbox/projections';
import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { READ_MODEL_PROJECTIONS } from '../../apps/inbox-api/src/read-model-projections';
import { freePort } from './free-port';
import { dumpTables } from './read-model-tables';
import { spawnServerFromSource } from './server-from-source';

/** Every key this workload sends starts so: a keyed event in the log without an acknowledgement is a stray. */
const KEY_PREFIX = 'crash-';
const START_TIMEOUT_MS = 60_000;
const CATCH_UP_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 15_000;
/** Kept of the server's output, for a failing round's report. */
const OUTPUT_TAIL_CHARS = 8_000;

interface ActorRef {
  type: 'member' | 'integration';
  id: string;
}

interface Credential extends ActorRef {
  token: string;
}

/** The events one append of a command must have put in one stream, in order. */
interface ExpectedAppend {
  streamId: string;
  types: string[];
}

/** A command the server answered with 2xx: what the log must hold for it. */
interface AcknowledgedCommand {
  key: string;
  actor: ActorRef;
  route: string;
  status: number;
  conversationId: string;
  /** The `position` of the answer: the last event of the conversation stream's append. */
  position: string;
  messageId: string | undefined;
  expected: ExpectedAppend[];
  round: number;
  /** Answered only when sent again after the restart. */
  retried: boolean;
}

/** What its owning client knows of a conversation: exact, since no one else touches it. */
interface ConversationBelief {
  id: string;
  status: 'open' | 'closed';
  assigneeId: string | null;
  messageCount: number;
  /** Events in its stream. */
  events: number;
}

/** A DATA_DIR and everything acknowledged in it: rounds on one session re-check what earlier rounds were told. */
export interface CrashSession {
  readonly dataDir: string;
  readonly adminToken: string;
  team: { members: [Credential, Credential]; integration: Credential } | undefined;
  readonly acknowledged: AcknowledgedCommand[];
  readonly conversations: Map<string, ConversationBelief>;
  rounds: number;
}

export function newCrashSession(dataDir: string): CrashSession {
  return {
    dataDir,
    adminToken: `crash-admin-${randomBytes(24).toString('hex')}`,
    team: undefined,
    acknowledged: [],
    conversations: new Map(),
    rounds: 0,
  };
}

interface CrashRoundOptions {
  session: CrashSession;
  /** Seeds the workload's choices and the moment of the kill: a failing round is replayed with it. */
  seed: number;
  /** Concurrent clients, one request in flight each. */
  clients?: number;
  conversationsPerClient?: number;
  /** The kill comes this long after the load's first acknowledgement, uniformly between the two. */
  killAfterMs?: readonly [number, number];
}

export interface RoundReport {
  round: number;
  seed: number;
  /** From the load's first acknowledgement to the SIGKILL. */
  killedAfterMs: number;
  /** 2xx answers before the kill. */
  acknowledged: number;
  /** Requests in flight at the kill (or refused by the dead server), by error. */
  unanswered: number;
  unansweredErrors: Record<string, number>;
  /** Unanswered requests sent again after the restart and answered 2xx. */
  retried: number;
  /**
   * How far each retried command had got when the server was killed: its answer recorded (the retry is
   * answered from that record), its events appended but no answer recorded, or nothing written.
   */
  retriedHadGot: { answerRecorded: number; eventsAppended: number; nothing: number };
  /** Commands acknowledged before the kill, sent again after the restart: the same answer, nothing appended. */
  replayed: number;
  /** From spawning the restarted server to its first 200 from /health. */
  restartMs: number;
  /** Events in the log, every one of whose streams was checked for gap-free revisions. */
  eventsInLog: number;
  /**
   * Events matched to an acknowledged command: those carrying its key, and the response recorded for it.
   * The rest of the log is the team, seeded before the first round.
   */
  eventsChecked: number;
  /** Acknowledged commands checked, this round's and every earlier round's on the same DATA_DIR. */
  commandsChecked: number;
  conversations: number;
  /** Rows of the live read models compared with a rebuild from the log. */
  readModelRows: number;
  durationMs: number;
  violations: string[];
  /** The end of the server processes' output where there are violations. */
  serverOutput: string;
}

/** One request as planned: sent once, and again with the same key if it went unanswered. */
interface PlannedCommand {
  key: string;
  route: string;
  path: string;
  credential: Credential;
  body: unknown;
  /** The conversation it acts on; for a start, the one the answer names. */
  belief: ConversationBelief | undefined;
  /** The appends it must cause, given the conversation it acts on (for a start, the one created). */
  expected: (conversationId: string) => ExpectedAppend[];
  /** What it does to the client's belief once acknowledged. */
  apply: (belief: ConversationBelief) => void;
}

type Outcome =
  | { answered: true; status: number; text: string; json: Record<string, unknown> | undefined; replayed: boolean }
  | { answered: false; error: string };

export async function runCrashRound(options: CrashRoundOptions): Promise<RoundReport> {
  const { session, seed } = options;
  const clients = options.clients ?? 12;
  const conversationsPerClient = options.conversationsPerClient ?? 2;
  const [killMin, killMax] = options.killAfterMs ?? [200, 1500];
  const round = ++session.rounds;
  const killedAfterMs = Math.round(killMin + seededRandom(seed)() * (killMax - killMin));
  const started = performance.now();
  const violations: string[] = [];
  const output = new OutputTail();
  let server: ServerChild | undefined;

  try {
    server = await ServerChild.start(session, output);
    const team = (session.team ??= await seedTeam(server, session.adminToken));

    // Load, until the kill: each client's requests one after another, on its own conversations.
    let killed = false;
    const acknowledgedBefore = session.acknowledged.length;
    const unanswered: PlannedCommand[] = [];
    const unansweredErrors: Record<string, number> = {};
    const lastAcknowledged: { command: PlannedCommand; status: number; json: Record<string, unknown> }[] = [];
    const loadServer = server;
    let loadStarted!: () => void;
    const firstAcknowledgement = new Promise<void>((resolve) => (loadStarted = resolve));
    const runClient = async (client: number): Promise<void> => {
      // A sequence of its own: what one client sends does not depend on how the others' answers interleave.
      const random = seededRandom(seed + (client + 1) * 7919);
      const owned: ConversationBelief[] = [];
      let sequence = 0;
      let last: (typeof lastAcknowledged)[number] | undefined;
      while (!killed) {
        const key = `${KEY_PREFIX}r${round}-s${seed}-c${client}-${sequence++}`;
        const command =
          owned.length < conversationsPerClient
            ? startConversation(key, team.integration, `${round}-${client}-${owned.length}`)
            : nextCommand(key, pick(random, owned), team, random);
        const outcome = await loadServer.post(command);
        if (!outcome.answered) {
          unanswered.push(command);
          unansweredErrors[outcome.error] = (unansweredErrors[outcome.error] ?? 0) + 1;
          break;
        }
        const belief = acknowledge(session, command, outcome, round, false, violations);
        if (!belief) break;
        if (!command.belief) owned.push(belief);
        loadStarted();
        last = { command, status: outcome.status, json: outcome.json! };
      }
      if (last) lastAcknowledged.push(last);
    };
    const load = Promise.all(Array.from({ length: clients }, (_, client) => runClient(client)));
    // Timed from the first answer, not the first request: a server still warming up would make a short
    // delay kill it before it acknowledged anything.
    await Promise.race([firstAcknowledgement, load]);
    await delay(killedAfterMs);
    killed = true;
    await server.kill();
    await load;
    const acknowledged = session.acknowledged.length - acknowledgedBefore;

    // Restart on the same DATA_DIR, then do what a client does with a request that got no answer: send it again.
    const restarting = performance.now();
    server = await ServerChild.start(session, output);
    const restartMs = performance.now() - restarting;
    const restarted = server;
    const headAtRestart = server.head();
    let retried = 0;
    const retriedHadGot = { answerRecorded: 0, eventsAppended: 0, nothing: 0 };
    await Promise.all(
      unanswered.map(async (command) => {
        const outcome = await restarted.post(command);
        if (!outcome.answered) violations.push(`${describeCommand(command)}: no answer after the restart either`);
        else if (acknowledge(session, command, outcome, round, true, violations)) {
          retried++;
          if (outcome.replayed) retriedHadGot.answerRecorded++;
          else if (BigInt(String(outcome.json!.position)) <= headAtRestart) retriedHadGot.eventsAppended++;
          else retriedHadGot.nothing++;
        }
      }),
    );
    // A command acknowledged before the kill, sent again: the first answer, and nothing appended (checked below).
    let replayed = 0;
    await Promise.all(
      lastAcknowledged.map(async ({ command, status, json }) => {
        const outcome = await restarted.post(command);
        if (!outcome.answered) violations.push(`${describeCommand(command)}: replay got no answer`);
        else if (outcome.status !== status || JSON.stringify(outcome.json) !== JSON.stringify(json)) {
          violations.push(
            `${describeCommand(command)}: replayed after the restart, answered ${outcome.status} ${outcome.text}, not as first (${status} ${JSON.stringify(json)})`,
          );
        } else replayed++;
      }),
    );

    await server.waitUntilCaughtUp();
    const exit = await server.stop();
    if (exit !== 0) violations.push(`The restarted server exited with ${exit} on SIGTERM, not 0`);
    server = undefined;

    const log = checkLog(session, violations);
    const readModels = await checkReadModels(session, violations);
    return {
      round,
      seed,
      killedAfterMs,
      acknowledged,
      unanswered: unanswered.length,
      unansweredErrors,
      retried,
      retriedHadGot,
      replayed,
      restartMs: Math.round(restartMs),
      eventsInLog: log.eventsInLog,
      eventsChecked: log.eventsChecked,
      commandsChecked: session.acknowledged.length,
      conversations: session.conversations.size,
      readModelRows: readModels.rows,
      durationMs: Math.round(performance.now() - started),
      violations,
      serverOutput: violations.length > 0 ? output.text() : '',
    };
  } catch (error) {
    throw new Error(
      `Crash round ${round} (seed ${seed}) could not run: ${error instanceof Error ? error.message : String(error)}\n${output.text()}`,
      { cause: error },
    );
  } finally {
    server?.child.kill('SIGKILL');
  }
}

/** One line of figures for a round. */
export function describeRound(report: RoundReport): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  const errors = Object.entries(report.unansweredErrors)
    .map(([error, count]) => `${count} ${error}`)
    .join(', ');
  return (
    `round ${report.round} (seed ${report.seed}): killed ${report.killedAfterMs} ms into the load; ` +
    `${n(report.acknowledged)} acknowledged, ${report.unanswered} unanswered${errors ? ` (${errors})` : ''}, ` +
    `${report.retried} retried (${report.retriedHadGot.answerRecorded} answered and recorded, ` +
    `${report.retriedHadGot.eventsAppended} appended, ${report.retriedHadGot.nothing} not written before the kill), ` +
    `${report.replayed} replayed; restarted in ${n(report.restartMs)} ms; ` +
    `${n(report.eventsInLog)} events in the log, ${n(report.eventsChecked)} matched to ${n(report.commandsChecked)} ` +
    `acknowledged commands; ${report.conversations} conversations; ${n(report.readModelRows)} read-model rows ` +
    `equal a rebuild; ${(report.durationMs / 1000).toFixed(1)} s` +
    (report.violations.length > 0 ? `; ${report.violations.length} VIOLATIONS` : '')
  );
}

function startConversation(key: string, integration: Credential, name: string): PlannedCommand {
  const customer = { id: `crash-customer-${name}`, name: `Customer ${name}`, email: `crash-${name}@shop.example` };
  return {
    key,
    route: 'POST /conversations',
    path: '/conversations',
    credential: integration,
    body: { customer, subject: `Order ${name}`, body: `Where is my order? (${key})` },
    belief: undefined,
    expected: (conversationId) => [
      { streamId: `conversation-${conversationId}`, types: ['ConversationStarted', 'MessageSent'] },
      { streamId: customerStreamId(integration.id, customer.id), types: ['CustomerConversationLinked'] },
      { streamId: customerEmailStreamId(integration.id, customer.email), types: ['CustomerConversationLinked'] },
    ],
    apply: () => undefined,
  };
}

/** A command that appends, given what the client knows of the conversation. */
function nextCommand(
  key: string,
  belief: ConversationBelief,
  team: NonNullable<CrashSession['team']>,
  random: () => number,
): PlannedCommand {
  const path = `/conversations/${belief.id}`;
  const stream = `conversation-${belief.id}`;
  const member = pick(random, team.members);
  const roll = random();
  const command = { key, belief, credential: member, body: undefined };
  if (roll < 0.25) {
    const types = belief.status === 'closed' ? ['ConversationReopened', 'MessageSent'] : ['MessageSent'];
    return {
      ...command,
      route: 'POST /conversations/:id/messages (customer)',
      path: `${path}/messages`,
      credential: team.integration,
      body: { body: `Any news? (${key})` },
      expected: () => [{ streamId: stream, types }],
      apply: (conversation) => {
        conversation.status = 'open';
        conversation.messageCount++;
        conversation.events += types.length;
      },
    };
  }
  if (roll < 0.5) {
    const types = belief.assigneeId === null ? ['ConversationAssigned', 'MessageSent'] : ['MessageSent'];
    return {
      ...command,
      route: 'POST /conversations/:id/messages (reply)',
      path: `${path}/messages`,
      body: { body: `Looking into it (${key})` },
      expected: () => [{ streamId: stream, types }],
      apply: (conversation) => {
        conversation.assigneeId ??= member.id;
        conversation.messageCount++;
        conversation.events += types.length;
      },
    };
  }
  if (roll < 0.75) {
    const assignee = team.members.find((m) => m.id !== belief.assigneeId)!;
    return {
      ...command,
      route: 'POST /conversations/:id/assign',
      path: `${path}/assign`,
      body: { assigneeId: assignee.id },
      expected: () => [{ streamId: stream, types: ['ConversationAssigned'] }],
      apply: (conversation) => {
        conversation.assigneeId = assignee.id;
        conversation.events++;
      },
    };
  }
  const closing = belief.status === 'open';
  return {
    ...command,
    route: closing ? 'POST /conversations/:id/close' : 'POST /conversations/:id/reopen',
    path: `${path}/${closing ? 'close' : 'reopen'}`,
    expected: () => [{ streamId: stream, types: [closing ? 'ConversationClosed' : 'ConversationReopened'] }],
    apply: (conversation) => {
      conversation.status = closing ? 'closed' : 'open';
      conversation.events++;
    },
  };
}

/**
 * Records a 2xx answer in the session's ledger and the client's belief, after checking that the answer says
 * what the client expects. Undefined, with a violation, for any other answer.
 */
function acknowledge(
  session: CrashSession,
  command: PlannedCommand,
  outcome: Extract<Outcome, { answered: true }>,
  round: number,
  retried: boolean,
  violations: string[],
): ConversationBelief | undefined {
  const { status, json } = outcome;
  if (status < 200 || status >= 300 || !json) {
    violations.push(`${describeCommand(command)}${retried ? ' (retried)' : ''}: ${status} ${outcome.text}`);
    return undefined;
  }
  const conversationId = String(json.id);
  const belief = command.belief ?? {
    id: conversationId,
    status: 'open',
    assigneeId: null,
    messageCount: 1,
    events: 2,
  };
  if (!command.belief) session.conversations.set(conversationId, belief);
  else command.apply(belief);
  const messageId = typeof json.messageId === 'string' ? json.messageId : undefined;
  const expected = command.expected(conversationId);
  session.acknowledged.push({
    key: command.key,
    actor: { type: command.credential.type, id: command.credential.id },
    route: command.route,
    status,
    conversationId,
    position: String(json.position),
    messageId,
    expected,
    round,
    retried,
  });
  const answered = {
    status: json.status,
    assigneeId: json.assigneeId,
    messageCount: json.messageCount,
    revision: json.revision,
  };
  const believed = {
    status: belief.status,
    assigneeId: belief.assigneeId,
    messageCount: belief.messageCount,
    revision: belief.events - 1,
  };
  if (JSON.stringify(answered) !== JSON.stringify(believed)) {
    violations.push(
      `${describeCommand(command)}${retried ? ' (retried)' : ''}: answered ${JSON.stringify(answered)}, the client expected ${JSON.stringify(believed)}`,
    );
  }
  const sendsMessage = expected.some(({ types }) => types.includes('MessageSent'));
  if (sendsMessage !== (messageId !== undefined)) {
    violations.push(`${describeCommand(command)}: messageId ${messageId ?? 'missing'} in the answer`);
  }
  return belief;
}

interface LoggedEvent {
  position: number;
  streamId: string;
  revision: number;
  eventId: string;
  type: string;
  data: Record<string, unknown>;
  metadata: { idempotencyKey?: unknown; actor?: { type?: unknown; id?: unknown } };
}

/**
 * Reads the whole log from the file: every stream's revisions gap-free from 0, no event id twice, and for
 * every acknowledged command, the events carrying its key exactly as one append of it writes them.
 */
function checkLog(session: CrashSession, violations: string[]): { eventsInLog: number; eventsChecked: number } {
  const db = new Database(sqliteEventStoreFile(session.dataDir), { readonly: true });
  let events: LoggedEvent[];
  try {
    events = db
      .prepare<
        [],
        {
          position: number;
          stream_id: string;
          revision: number;
          event_id: string;
          type: string;
          data: string;
          metadata: string;
        }
      >('SELECT position, stream_id, revision, event_id, type, data, metadata FROM events ORDER BY position')
      .all()
      .map((row) => ({
        position: row.position,
        streamId: row.stream_id,
        revision: row.revision,
        eventId: row.event_id,
        type: row.type,
        data: JSON.parse(row.data) as LoggedEvent['data'],
        metadata: JSON.parse(row.metadata) as LoggedEvent['metadata'],
      }));
  } finally {
    db.close();
  }

  const streams = new Map<string, LoggedEvent[]>();
  const eventIds = new Set<string>();
  const byKey = new Map<string, LoggedEvent[]>();
  for (const event of events) {
    let stream = streams.get(event.streamId);
    if (!stream) streams.set(event.streamId, (stream = []));
    stream.push(event);
    if (eventIds.has(event.eventId)) violations.push(`Event id ${event.eventId} is in the log twice`);
    eventIds.add(event.eventId);
    const key = event.metadata.idempotencyKey;
    if (typeof key === 'string' && key.startsWith(KEY_PREFIX)) {
      const actor = event.metadata.actor;
      const keyOf = keyIdentity({ type: String(actor?.type), id: String(actor?.id) }, key);
      let keyed = byKey.get(keyOf);
      if (!keyed) byKey.set(keyOf, (keyed = []));
      keyed.push(event);
    }
  }
  for (const [streamId, stream] of streams) {
    const revisions = stream.map((event) => event.revision).sort((a, b) => a - b);
    const gap = revisions.findIndex((revision, index) => revision !== index);
    if (gap >= 0)
      violations.push(`Stream ${streamId}: revisions ${revisions.join(',')} are not 0..${stream.length - 1}`);
  }

  let eventsChecked = 0;
  const matched = new Set<string>();
  for (const command of session.acknowledged) {
    const identity = keyIdentity(command.actor, command.key);
    const what = `${command.route} (key ${command.key}, round ${command.round}${command.retried ? ', retried' : ''})`;
    if (matched.has(identity)) {
      violations.push(`${what}: acknowledged twice in the ledger`);
      continue;
    }
    matched.add(identity);
    const keyed = byKey.get(identity) ?? [];
    eventsChecked += keyed.length;
    const found = groupByStream(keyed);
    const expected = command.expected.map(({ streamId, types }) => `${streamId}: ${types.join(',')}`).sort();
    const actual = [...found].map(([streamId, group]) => `${streamId}: ${group.map((e) => e.type).join(',')}`).sort();
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      violations.push(
        `${what}: the log holds [${actual.join('; ')}] for it, not [${expected.join('; ')}]` +
          (keyed.length === 0 ? ': an acknowledged command was lost' : ''),
      );
      continue;
    }
    for (const [streamId, group] of found) {
      // One append writes consecutive revisions, and, in this store, consecutive positions.
      const split = group.some(
        (event, i) =>
          i > 0 && (event.revision !== group[i - 1].revision + 1 || event.position !== group[i - 1].position + 1),
      );
      if (split) violations.push(`${what}: its events in ${streamId} are not one append: ${describeEvents(group)}`);
    }
    const conversationEvents = found.get(`conversation-${command.conversationId}`) ?? [];
    if (String(conversationEvents.at(-1)?.position) !== command.position) {
      violations.push(
        `${what}: acknowledged at position ${command.position}, its events are at ${describeEvents(conversationEvents)}`,
      );
    }
    const message = conversationEvents.find((event) => event.type === 'MessageSent');
    if (message && message.data.messageId !== command.messageId) {
      violations.push(
        `${what}: answered messageId ${command.messageId}, the log has ${String(message.data.messageId)}`,
      );
    }
    eventsChecked += checkIdempotencyRecord(command, streams, what, violations);
  }
  const recordStreams = new Set(session.acknowledged.map((command) => idempotencyStreamId(command.actor, command.key)));
  for (const [streamId, stream] of streams) {
    if (streamId.startsWith('idempotency-') && !recordStreams.has(streamId)) {
      violations.push(`A response recorded for no acknowledged command: ${describeEvents(stream)}`);
    }
  }
  for (const [identity, keyed] of byKey) {
    if (!matched.has(identity))
      violations.push(`Events no client had acknowledged, key ${identity}: ${describeEvents(keyed)}`);
  }
  for (const belief of session.conversations.values()) {
    const stream = streams.get(`conversation-${belief.id}`)?.length ?? 0;
    if (stream !== belief.events) {
      violations.push(
        `Conversation ${belief.id}: ${stream} events in its stream, its acknowledged commands made ${belief.events}`,
      );
    }
  }
  return { eventsInLog: events.length, eventsChecked };
}

/** Where the server records its response to a key (`idempotency.interceptor.ts`). */
function idempotencyStreamId(actor: ActorRef, key: string): string {
  return `idempotency-${deterministicUuid('idempotency', actor.type, actor.id, key)}`;
}

/**
 * The response the server recorded for the key: one, and the answer the client was given. The interceptor
 * answers only once its record is durable, and a retry records one where the first attempt had none.
 */
function checkIdempotencyRecord(
  command: AcknowledgedCommand,
  streams: Map<string, LoggedEvent[]>,
  what: string,
  violations: string[],
): number {
  const records = streams.get(idempotencyStreamId(command.actor, command.key)) ?? [];
  if (records.length !== 1) {
    violations.push(`${what}: ${records.length} recorded responses for its key, not 1`);
    return records.length;
  }
  const { status, body } = records[0].data as { status?: unknown; body?: unknown };
  const position = typeof body === 'string' ? (JSON.parse(body) as { position?: unknown }).position : undefined;
  if (status !== command.status || position !== command.position) {
    violations.push(
      `${what}: recorded response ${String(status)} at position ${String(position)}, the client was answered ${command.status} at ${command.position}`,
    );
  }
  return 1;
}

/** The live read models, as the server left them, against a rebuild from the log; and against the clients' beliefs. */
async function checkReadModels(session: CrashSession, violations: string[]): Promise<{ rows: number }> {
  const projections = READ_MODEL_PROJECTIONS.map((projection) => new projection());
  const tables = projections.flatMap((projection) => [...projection.tables]);
  const store = new SqliteEventStore({
    filename: sqliteEventStoreFile(session.dataDir),
    checkpoints: 'on-commit',
  });
  const live = openReadModelDatabase(readModelFile(session.dataDir));
  const rebuildFile = join(session.dataDir, 'crash-rebuild.sqlite');
  try {
    const head = (await store.headPosition()) ?? 0n;
    const checkpoint = readCheckpoint(live, PROJECTOR_CHECKPOINT) ?? 0n;
    if (checkpoint !== head) violations.push(`The read models' checkpoint is ${checkpoint}, the log's head ${head}`);
    const rebuilt = await replayInto(rebuildFile, store, projections);
    let rows = 0;
    try {
      const liveTables = dumpTables(live, tables);
      const rebuiltTables = dumpTables(rebuilt.db, tables);
      for (const table of tables) {
        rows += liveTables[table].length;
        const difference = firstDifference(liveTables[table], rebuiltTables[table]);
        if (difference) violations.push(`Read model ${table} differs from a rebuild: ${difference}`);
      }
    } finally {
      rebuilt.db.close();
    }
    const summaries = live
      .prepare<[], { id: string; status: string; assignee_id: string | null; message_count: number; revision: number }>(
        'SELECT id, status, assignee_id, message_count, revision FROM conversation_summaries',
      )
      .all();
    const byId = new Map(summaries.map((row) => [row.id, row]));
    for (const belief of session.conversations.values()) {
      const row = byId.get(belief.id);
      const believed = [belief.status, belief.assigneeId, belief.messageCount, belief.events - 1];
      const shown = row ? [row.status, row.assignee_id, row.message_count, row.revision] : 'no row';
      if (JSON.stringify(shown) !== JSON.stringify(believed)) {
        violations.push(
          `Conversation ${belief.id}: the read model shows ${JSON.stringify(shown)}, its acknowledged commands made ${JSON.stringify(believed)}`,
        );
      }
    }
    return { rows };
  } finally {
    live.close();
    await store.close();
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${rebuildFile}${suffix}`, { force: true });
  }
}

function firstDifference(live: unknown[], rebuilt: unknown[]): string | undefined {
  for (let i = 0; i < Math.max(live.length, rebuilt.length); i++) {
    const [a, b] = [JSON.stringify(live[i]), JSON.stringify(rebuilt[i])];
    if (a !== b)
      return `row ${i}: live ${a ?? 'missing'}, rebuilt ${b ?? 'missing'} (${live.length} rows live, ${rebuilt.length} rebuilt)`;
  }
  return undefined;
}

function groupByStream(events: LoggedEvent[]): Map<string, LoggedEvent[]> {
  const groups = new Map<string, LoggedEvent[]>();
  for (const event of events) {
    let group = groups.get(event.streamId);
    if (!group) groups.set(event.streamId, (group = []));
    group.push(event);
  }
  return groups;
}

function keyIdentity(actor: { type: string; id: string }, key: string): string {
  return `${actor.type}/${actor.id}/${key}`;
}

function describeEvents(events: LoggedEvent[]): string {
  return events.map((e) => `${e.type}@${e.position} (${e.streamId} r${e.revision})`).join(', ') || 'none';
}

function describeCommand(command: PlannedCommand): string {
  return `${command.route} ${command.path} (key ${command.key})`;
}

/** Two agents and a chat integration, created while nothing is being killed. */
async function seedTeam(server: ServerChild, adminToken: string): Promise<NonNullable<CrashSession['team']>> {
  const create = async (path: string, body: unknown, type: ActorRef['type']): Promise<Credential> => {
    const outcome = await server.send(path, adminToken, body);
    if (!outcome.answered || outcome.status !== 201 || !outcome.json) {
      throw new Error(
        `Seeding ${path} failed: ${outcome.answered ? `${outcome.status} ${outcome.text}` : outcome.error}`,
      );
    }
    return { type, id: String(outcome.json.id), token: String(outcome.json.token) };
  };
  const run = randomBytes(4).toString('hex');
  const first = await create('/members', { name: 'Ada', email: `ada-${run}@crash.example` }, 'member');
  const second = await create('/members', { name: 'Bob', email: `bob-${run}@crash.example` }, 'member');
  const integration = await create('/integrations', { name: `Chat ${run}` }, 'integration');
  return { members: [first, second], integration };
}

/** The server in a process of its own, started from source (`spawnServerFromSource`). */
class ServerChild {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  private constructor(
    readonly child: ChildProcess,
    private readonly baseUrl: string,
    private readonly dataDir: string,
    private readonly exited: Promise<number | string>,
  ) {}

  static async start(session: CrashSession, output: OutputTail): Promise<ServerChild> {
    const port = await freePort();
    const { child, exited } = spawnServerFromSource(
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: session.dataDir,
        INBOX_ADMIN_TOKEN: session.adminToken,
        LOG_LEVEL: 'warn',
      },
      (chunk) => output.add(chunk),
    );
    const server = new ServerChild(child, `http://127.0.0.1:${port}`, session.dataDir, exited);
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const health = await server.health();
      if (health) return server;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error('The server exited while starting');
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`The server did not answer /health within ${START_TIMEOUT_MS} ms`);
      }
      await delay(100);
    }
  }

  post(command: PlannedCommand): Promise<Outcome> {
    return this.send(command.path, command.credential.token, command.body, command.key);
  }

  /** A POST; any failure to get a whole answer is `answered: false`, as a client sees a crash. */
  send(path: string, token: string, body: unknown, key?: string): Promise<Outcome> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve) => {
      let settled = false;
      const settle = (outcome: Outcome): void => {
        if (!settled) resolve(outcome);
        settled = true;
      };
      const unanswered = (error: unknown): void =>
        settle({ answered: false, error: (error as { code?: string }).code ?? String(error) });
      const req = request(
        `${this.baseUrl}${path}`,
        {
          agent: this.agent,
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            ...(key ? { 'idempotency-key': key } : {}),
            ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', unanswered);
          response.on('aborted', () => unanswered(new Error('aborted')));
          response.on('end', () => {
            if (!response.complete) return unanswered(new Error('incomplete'));
            const text = Buffer.concat(chunks).toString('utf8');
            let json: Record<string, unknown> | undefined;
            try {
              json = JSON.parse(text) as Record<string, unknown>;
            } catch {
              json = undefined;
            }
            const replayed = response.headers['idempotent-replayed'] === 'true';
            settle({ answered: true, status: response.statusCode ?? 0, text, json, replayed });
          });
        },
      );
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
      req.on('error', unanswered);
      req.end(payload);
    });
  }

  /** The /health report, or undefined while the server cannot answer it. */
  async health(): Promise<{ projectionPosition: string; processManagers: Record<string, string> } | undefined> {
    try {
      const response = await fetch(`${this.baseUrl}/health`);
      if (!response.ok) return undefined;
      return (await response.json()) as { projectionPosition: string; processManagers: Record<string, string> };
    } catch {
      return undefined;
    }
  }

  /** The log's head, read from the file beside the running server. */
  head(): bigint {
    const log = new Database(sqliteEventStoreFile(this.dataDir), { readonly: true });
    try {
      const { head } = log.prepare<[], { head: number | null }>('SELECT max(position) AS head FROM events').get()!;
      return BigInt(head ?? 0);
    } finally {
      log.close();
    }
  }

  /** Until the projector and every process manager have reached the log's head, read from the file. */
  async waitUntilCaughtUp(): Promise<void> {
    const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
    for (;;) {
      const head = this.head();
      const health = await this.health();
      const positions = health ? [health.projectionPosition, ...Object.values(health.processManagers)] : [];
      if (health && positions.every((position) => BigInt(position) >= head)) return;
      if (Date.now() > deadline) {
        throw new Error(
          `Not caught up with the log's head ${head} in ${CATCH_UP_TIMEOUT_MS} ms: ${JSON.stringify(health)}`,
        );
      }
      await delay(50);
    }
  }

  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
    this.agent.destroy();
  }

  /** SIGTERM: the server's exit code. */
  async stop(): Promise<number | string> {
    this.agent.destroy();
    this.child.kill('SIGTERM');
    return this.exited;
  }
}

class OutputTail {
  private tail = '';

  add(chunk: Buffer): void {
    this.tail = (this.tail + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  }

  text(): string {
    return this.tail;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
