/**
 * The HTTP part of `npm run bench`: seeds an inbox over HTTP, then drives a mixed workload of commands and
 * queries at a fixed offered rate (open model) or as fast as N connections go (closed model), and reads the
 * server's own projection-lag histogram around the measured window.
 *
 * Not autocannon: its `overallRate` is split across connections, each of which stays a closed loop that
 * sends its next request only after the previous answer, in a burst at the start of every second until that
 * second's quota is used up. So a slow answer delays the requests behind it and their waiting is never
 * measured (coordinated omission); it also keeps one latency histogram for all requests, not one a route,
 * and parses answers with http-parser-js in JavaScript. Here requests have scheduled send times and latency
 * runs from the scheduled time, queueing in the client included.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { pick, seededRandom } from '../../libs/core/src/testing/seeded-random';
import { httpRequest } from './http-client';
import { Pacer } from './pacer';
import { buildRequest, RawConnection, type RawRequest } from './raw-http';
import { histogramBuckets, histogramPercentile, percentile, sampleValue } from './stats';

export { latencyPlotSvg, type LatencyPoint } from './latency-plot';

export interface SeededMember {
  id: string;
  token: string;
}

export interface SeededConversation {
  id: string;
  status: 'open' | 'closed';
  assigneeId: string | null;
}

export interface SeededInbox {
  adminToken: string;
  members: SeededMember[];
  integration: { id: string; token: string };
  /** As seeded; runMixedLoad keeps its own copy of what it believes each one's state is. */
  conversations: SeededConversation[];
}

export interface SeedOptions {
  members: number;
  conversations: number;
  /** Requests in flight while seeding. */
  concurrency?: number;
}

export interface MixedLoadOptions {
  durationSeconds: number;
  /** Offered commands a second (requests a second = commands / commandShare), or 'max' for a closed loop. */
  commandsPerSecond: number | 'max';
  /** Sockets to the server: the closed loop's concurrency, and the open model's ceiling of requests in flight. */
  connections: number;
  /** Run at the same load first, unmeasured, so that the server's code is compiled and its caches warm. */
  warmupSeconds?: number;
  /** Share of commands among requests. */
  commandShare?: number;
  /** How long to wait for answers after the last scheduled request before counting them as unanswered. */
  drainSeconds?: number;
  /** Seed of the workload's random choices, for runs that can be compared. */
  randomSeed?: number;
  /** The server's process, when it runs on this machine: its CPU time over the window is measured. */
  serverPid?: number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
}

export interface MixedLoadResult {
  offeredCommandsPerSecond: number | 'max';
  offeredRequestsPerSecond: number | 'max';
  connections: number;
  measuredSeconds: number;
  /** 2xx answers that arrived within the measured window, a second. */
  commandsPerSecond: number;
  queriesPerSecond: number;
  /** Non-2xx answers by status; `connection` where the socket failed, `unanswered` past the drain time. */
  errors: Record<string, number>;
  /** Milliseconds from the scheduled send time (open model) or the send (closed loop) to the answer; 2xx only. */
  latency: { all: LatencySummary; commands: LatencySummary; queries: LatencySummary };
  routes: Record<string, LatencySummary>;
  /** Upper bound (ms) of the server's projection-lag histogram bucket holding the window's p99. */
  projectionLagP99AtMostMs: number;
  /**
   * The embedded store's commits in the window (the server's histogram): how many, the bucket bound (ms)
   * holding their p99.9, and how many took over 5 ms, fsync included, holding up every append in them.
   */
  commits: { count: number; p999AtMostMs: number; over5Ms: number };
  /**
   * The main thread's full collections in the window (the server's `nodejs_gc_duration_seconds`, kind major):
   * how many, and their final pauses in all (ms). Each one's incremental marking before it slows the
   * requests around it too; a cluster of slow requests a collection. prom-client observes the first of the
   * collections Node reports together, so the count may now and then be one short (1 in 43 in a probe).
   */
  fullCollections: { count: number; pausesMs: number };
  /** The load generator's own CPU over the measured window, in percent of one core. */
  clientCpuPercent: number;
  /**
   * The server's CPU time (all its threads) over the measured window, per answer in it, in µs; undefined
   * without `serverPid` or off Linux. It tells the code's cost from the machine's spell: a busy neighbour
   * lowers a peak, not this.
   */
  serverCpuMicrosPerRequest?: number;
  /** The same for each of the server's five busiest threads, the main thread first. */
  serverThreadCpuMicrosPerRequest?: number[];
  /**
   * Milliseconds from a request's scheduled time to its send (open model), counted in its latency: the load
   * generator's 1 ms timer and event loop (on the same cores as the server), and waits for a free connection.
   */
  sendDelay: LatencySummary;
}

const SEED_CUSTOMER_MESSAGES = [
  'Hello, where is my order? It was due on Monday.',
  'I was charged twice for the same order, can you help?',
  'Can I change the delivery address of my order?',
];

/** Adds members and an integration, starts conversations and assigns and closes some, all over HTTP. */
export async function seedInbox(baseUrl: string, adminToken: string, options: SeedOptions): Promise<SeededInbox> {
  const concurrency = options.concurrency ?? 32;
  // Unique per call, since a second active member with the same email is refused.
  const run = Date.now().toString(36);
  const post = async <T>(path: string, token: string, body: unknown, expected: number): Promise<T> => {
    const response = await httpRequest(`${baseUrl}${path}`, { method: 'POST', token, body });
    if (response.status !== expected) throw new Error(`POST ${path}: ${response.status} ${response.body}`);
    return JSON.parse(response.body) as T;
  };

  const members = new Array<SeededMember>(options.members);
  await inPool(options.members, concurrency, async (i) => {
    const member = await post<SeededMember>(
      '/members',
      adminToken,
      { name: `Agent ${i + 1}`, email: `agent-${i + 1}-${run}@bench.example` },
      201,
    );
    members[i] = { id: member.id, token: member.token };
  });
  const integration = await post<{ id: string; token: string }>(
    '/integrations',
    adminToken,
    { name: `Bench chat ${run}` },
    201,
  );

  const conversations = new Array<SeededConversation>(options.conversations);
  await inPool(options.conversations, concurrency, async (i) => {
    const { id } = await post<{ id: string }>(
      '/conversations',
      integration.token,
      {
        customer: { id: `customer-${run}-${i}`, name: `Customer ${i}`, email: `customer-${i}-${run}@shop.example` },
        subject: `Order #${10_000 + i}`,
        body: SEED_CUSTOMER_MESSAGES[i % SEED_CUSTOMER_MESSAGES.length],
      },
      201,
    );
    const conversation: SeededConversation = { id, status: 'open', assigneeId: null };
    // Half are assigned and a tenth closed, so that every view and every command has something to act on.
    if (i % 2 === 0) {
      const member = members[(i / 2) % members.length];
      await post(`/conversations/${id}/assign`, member.token, { assigneeId: 'me' }, 200);
      conversation.assigneeId = member.id;
    }
    if (i % 10 === 1) {
      await post(`/conversations/${id}/close`, members[i % members.length].token, undefined, 200);
      conversation.status = 'closed';
    }
    conversations[i] = conversation;
  });
  return { adminToken, members, integration, conversations };
}

/** Runs `task(0..count-1)` with at most `concurrency` in flight. */
async function inPool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

interface Operation {
  route: string;
  command: boolean;
  bytes: Buffer;
  /** When it was due to be sent (performance.now()). */
  scheduledAt: number;
}

/**
 * Picks the next request. It keeps a belief of each conversation's state, updated as commands are sent, and
 * chooses commands that change it: reopen or a customer's message on a closed one; assign to someone other
 * than the assignee, reply, close or a customer's message on an open one. Requests in flight can make a
 * belief stale; then a command appends nothing, which the server answers with 200 all the same.
 */
class MixedWorkload {
  private readonly conversations: SeededConversation[];
  private readonly random: () => number;
  private messageNumber = 0;

  constructor(
    private readonly seed: SeededInbox,
    private readonly host: string,
    private readonly commandShare: number,
    randomSeed: number,
  ) {
    this.conversations = seed.conversations.map((c) => ({ ...c }));
    this.random = seededRandom(randomSeed);
  }

  next(scheduledAt: number): Operation {
    return this.random() < this.commandShare ? this.command(scheduledAt) : this.query(scheduledAt);
  }

  private operation(
    route: string,
    command: boolean,
    scheduledAt: number,
    path: string,
    token: string,
    body?: unknown,
  ): Operation {
    const method = command ? 'POST' : 'GET';
    return { route, command, scheduledAt, bytes: buildRequest(this.host, method, path, token, body) };
  }

  private command(scheduledAt: number): Operation {
    const conversation = pick(this.random, this.conversations);
    const actor = pick(this.random, this.seed.members);
    const base = `/conversations/${conversation.id}`;
    const r = this.random();
    const customerMessage = (): Operation => {
      conversation.status = 'open';
      return this.operation(
        'POST /conversations/:id/messages (customer)',
        true,
        scheduledAt,
        `${base}/messages`,
        this.seed.integration.token,
        { body: `Any news on this? (${++this.messageNumber})` },
      );
    };
    if (conversation.status === 'closed') {
      if (r < 0.5) return customerMessage();
      conversation.status = 'open';
      return this.operation('POST /conversations/:id/reopen', true, scheduledAt, `${base}/reopen`, actor.token);
    }
    if (r < 0.35) {
      let assigneeId: string;
      if (actor.id !== conversation.assigneeId && r < 0.15) {
        assigneeId = 'me';
        conversation.assigneeId = actor.id;
      } else {
        let assignee = pick(this.random, this.seed.members);
        if (assignee.id === conversation.assigneeId) assignee = pick(this.random, this.seed.members);
        assigneeId = conversation.assigneeId = assignee.id;
      }
      return this.operation('POST /conversations/:id/assign', true, scheduledAt, `${base}/assign`, actor.token, {
        assigneeId,
      });
    }
    if (r < 0.6) {
      conversation.assigneeId ??= actor.id; // a reply to an unassigned conversation takes it
      return this.operation(
        'POST /conversations/:id/messages (reply)',
        true,
        scheduledAt,
        `${base}/messages`,
        actor.token,
        { body: `Thanks for writing in, I am looking into it (${++this.messageNumber}).` },
      );
    }
    if (r < 0.8) {
      conversation.status = 'closed';
      return this.operation('POST /conversations/:id/close', true, scheduledAt, `${base}/close`, actor.token);
    }
    return customerMessage();
  }

  private query(scheduledAt: number): Operation {
    const token = pick(this.random, this.seed.members).token;
    const r = this.random();
    if (r < 0.3) return this.operation('GET /inbox', false, scheduledAt, '/inbox', token);
    if (r < 0.6) {
      const id = pick(this.random, this.conversations).id;
      return this.operation('GET /conversations/:id', false, scheduledAt, `/conversations/${id}`, token);
    }
    const view = r < 0.75 ? 'unassigned' : r < 0.9 ? 'mine' : 'all';
    const path = `/conversations?view=${view}`;
    return this.operation(`GET ${path}`, false, scheduledAt, path, token);
  }
}

/**
 * Drives the mixed workload. With a number, requests are due at an even pace (commands / commandShare a
 * second) whether or not earlier ones were answered; a request waits in the client for a free connection
 * where all are busy, and its latency counts from when it was due. With 'max', each connection sends its
 * next request as soon as its previous one is answered.
 */
export async function runMixedLoad(
  baseUrl: string,
  seed: SeededInbox,
  options: MixedLoadOptions,
): Promise<MixedLoadResult> {
  const commandShare = options.commandShare ?? 0.3;
  const warmupMs = (options.warmupSeconds ?? 2) * 1000;
  const durationMs = options.durationSeconds * 1000;
  const drainMs = (options.drainSeconds ?? 10) * 1000;
  const open = options.commandsPerSecond !== 'max';
  const requestRate = open ? (options.commandsPerSecond as number) / commandShare : 0;
  const url = new URL(baseUrl);
  const workload = new MixedWorkload(seed, url.host, commandShare, options.randomSeed ?? 1);

  const latencies = new Map<string, number[]>();
  const commandLatencies: number[] = [];
  const queryLatencies: number[] = [];
  const sendDelays: number[] = [];
  const errors: Record<string, number> = {};
  let commandsAnswered = 0;
  let queriesAnswered = 0;
  let inFlight = 0;

  const pacer = open ? await Pacer.start() : undefined;
  const started = performance.now();
  const measureFrom = started + warmupMs;
  const measureUntil = measureFrom + durationMs;
  const queue: Operation[] = [];
  let queueHead = 0;
  const idle: RawConnection[] = [];

  const settle = (operation: Operation, status: number): void => {
    inFlight--;
    const now = performance.now();
    if (status < 200 || status >= 300) {
      if (operation.scheduledAt >= measureFrom && operation.scheduledAt < measureUntil) {
        const key = status === 0 ? 'connection' : String(status);
        errors[key] = (errors[key] ?? 0) + 1;
      }
      return;
    }
    if (now >= measureFrom && now < measureUntil) {
      if (operation.command) commandsAnswered++;
      else queriesAnswered++;
    }
    if (operation.scheduledAt >= measureFrom && operation.scheduledAt < measureUntil) {
      const latency = now - operation.scheduledAt;
      let samples = latencies.get(operation.route);
      if (!samples) latencies.set(operation.route, (samples = []));
      samples.push(latency);
      (operation.command ? commandLatencies : queryLatencies).push(latency);
    }
  };

  const dispatch = (connection: RawConnection, operation: Operation): void => {
    inFlight++;
    if (operation.scheduledAt >= measureFrom && operation.scheduledAt < measureUntil) {
      sendDelays.push(performance.now() - operation.scheduledAt);
    }
    const request: RawRequest = { bytes: operation.bytes, done: (status) => settle(operation, status) };
    connection.send(request);
  };

  const onIdle = (connection: RawConnection): void => {
    if (queueHead < queue.length) {
      const operation = queue[queueHead];
      queue[queueHead++] = undefined as unknown as Operation; // let it be collected
      dispatch(connection, operation);
    } else if (!open && performance.now() < measureUntil) {
      dispatch(connection, workload.next(performance.now()));
    } else {
      idle.push(connection);
    }
  };

  const connections = Array.from(
    { length: options.connections },
    () => new RawConnection(url.hostname, Number(url.port || 80), onIdle),
  );

  // The lag and commit histograms are scraped when the measured window opens and once its answers are in.
  const scrapeHistograms = async () => {
    const metrics = (await httpRequest(`${baseUrl}/metrics`, { token: seed.adminToken })).body;
    return {
      lag: histogramBuckets(metrics, 'team_inbox_projection_lag_seconds'),
      commits: histogramBuckets(metrics, 'team_inbox_event_store_commit_seconds'),
      fullCollections: {
        count: sampleValue(metrics, 'nodejs_gc_duration_seconds_count{kind="major"}'),
        seconds: sampleValue(metrics, 'nodejs_gc_duration_seconds_sum{kind="major"}'),
      },
    };
  };
  let cpuAtStart = process.cpuUsage();
  let serverCpuAtStart: number | undefined;
  let threadCpuAtStart = new Map<string, number>();
  const histogramsBefore = new Promise<Awaited<ReturnType<typeof scrapeHistograms>>>((resolve, reject) =>
    setTimeout(() => {
      cpuAtStart = process.cpuUsage();
      serverCpuAtStart = processCpuMicros(options.serverPid);
      threadCpuAtStart = threadCpuMicros(options.serverPid);
      scrapeHistograms().then(resolve, reject);
    }, warmupMs),
  );

  if (pacer) {
    let scheduled = 0;
    for (const connection of connections) idle.push(connection);
    const total = Math.floor(((warmupMs + durationMs) / 1000) * requestRate);
    await pacer.run({ startedAt: performance.timeOrigin + started, requestsPerSecond: requestRate, total }, (due) => {
      for (; scheduled < due; scheduled++) {
        const operation = workload.next(started + (scheduled * 1000) / requestRate);
        const connection = idle.pop();
        if (connection) dispatch(connection, operation);
        else queue.push(operation);
      }
    });
  } else {
    for (const connection of connections) onIdle(connection);
    await new Promise((resolve) => setTimeout(resolve, warmupMs + durationMs));
  }
  const cpu = process.cpuUsage(cpuAtStart);
  const serverCpuAtEnd = processCpuMicros(options.serverPid);
  const threadCpuAtEnd = threadCpuMicros(options.serverPid);
  const answeredInWindow = commandsAnswered + queriesAnswered;

  const drainUntil = performance.now() + drainMs;
  while ((inFlight > 0 || queueHead < queue.length) && performance.now() < drainUntil) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const unanswered = inFlight + (queue.length - queueHead);
  if (unanswered > 0) errors.unanswered = unanswered;
  for (const connection of connections) connection.close();
  const before = await histogramsBefore;
  const after = await scrapeHistograms();

  const seconds = durationMs / 1000;
  const routes: Record<string, LatencySummary> = {};
  for (const [route, samples] of [...latencies].sort(([a], [b]) => a.localeCompare(b))) {
    routes[route] = summarizeLatency(samples);
  }
  return {
    offeredCommandsPerSecond: options.commandsPerSecond,
    offeredRequestsPerSecond: open ? requestRate : 'max',
    connections: options.connections,
    measuredSeconds: seconds,
    commandsPerSecond: commandsAnswered / seconds,
    queriesPerSecond: queriesAnswered / seconds,
    errors,
    latency: {
      all: summarizeLatency([...commandLatencies, ...queryLatencies]),
      commands: summarizeLatency(commandLatencies),
      queries: summarizeLatency(queryLatencies),
    },
    routes,
    projectionLagP99AtMostMs: histogramPercentile(before.lag, after.lag, 99) * 1000,
    commits: commitsBetween(before.commits, after.commits),
    fullCollections: {
      count: after.fullCollections.count - before.fullCollections.count,
      pausesMs: (after.fullCollections.seconds - before.fullCollections.seconds) * 1000,
    },
    clientCpuPercent: ((cpu.user + cpu.system) / 1000 / durationMs) * 100,
    serverCpuMicrosPerRequest:
      serverCpuAtStart === undefined || serverCpuAtEnd === undefined || answeredInWindow === 0
        ? undefined
        : (serverCpuAtEnd - serverCpuAtStart) / answeredInWindow,
    serverThreadCpuMicrosPerRequest:
      answeredInWindow === 0
        ? undefined
        : [...threadCpuAtEnd]
            .map(([tid, micros]) => ({
              main: tid === String(options.serverPid),
              perRequest: (micros - (threadCpuAtStart.get(tid) ?? 0)) / answeredInWindow,
            }))
            .sort((a, b) => Number(b.main) - Number(a.main) || b.perRequest - a.perRequest)
            .slice(0, 5)
            .map((thread) => thread.perRequest),
    sendDelay: summarizeLatency(sendDelays),
  };
}

/** The CPU time a process has used, all its threads, in µs: Linux's /proc; undefined elsewhere or without a pid. */
function processCpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime, fields 14 and 15 of proc(5)'s stat, in clock ticks (USER_HZ, 100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

/** Each thread's CPU time, in µs, by thread id. */
function threadCpuMicros(pid: number | undefined): Map<string, number> {
  const threads = new Map<string, number>();
  if (pid === undefined) return threads;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      threads.set(tid, (Number(fields[11]) + Number(fields[12])) * 10_000);
    }
  } catch {
    // a thread that ended while read, or no /proc
  }
  return threads;
}

function commitsBetween(before: Map<number, number>, after: Map<number, number>): MixedLoadResult['commits'] {
  const countUpTo = (bound: number) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0);
  const count = countUpTo(Number.POSITIVE_INFINITY);
  return {
    count,
    p999AtMostMs: histogramPercentile(before, after, 99.9) * 1000,
    over5Ms: count - countUpTo(0.005),
  };
}

/** Sorts `samples` in place. */
function summarizeLatency(samples: number[]): LatencySummary {
  const sorted = samples.sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
  };
}

/** The peak resident set size of a live process, in MB (VmHWM: the high-water mark the kernel keeps). */
export function peakRssMb(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`No VmHWM in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}
