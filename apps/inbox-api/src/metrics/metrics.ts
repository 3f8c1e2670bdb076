/**
 * Prometheus metrics (`GET /metrics`): how long commands take, how far the read models trail the log, and
 * how many events are appended. One registry per application, so that tests starting several apps in one
 * process do not share counters.
 */
import { Controller, Get, Header, Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeEndpoint } from '@nestjs/swagger';
import {
  APPENDED_EVENTS,
  EVENT_STORE,
  SqliteEventStore,
  type AppendedEvents,
  type EventStore,
} from '@team-inbox/event-store';
import { InboundWebhooks } from '@team-inbox/integrations';
import { WebhookSender } from '@team-inbox/outbound-webhooks';
import { ProjectionProgress } from '@team-inbox/projections';
import { AllowedRoles } from '@team-inbox/platform';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Observable, Subscription } from 'rxjs';

const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Beyond this many events behind, the lag gauge says "at least" rather than counting on. */
const LAG_COUNT_LIMIT = 100_000;

@Injectable()
export class Metrics implements OnModuleDestroy {
  readonly registry = new Registry();
  readonly commandDuration = new Histogram({
    name: 'team_inbox_command_duration_seconds',
    help: 'Time to answer a command over HTTP, from its arrival, by route ("POST /conversations/:id/assign")',
    labelNames: ['command', 'status'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly eventStoreCommits = new Histogram({
    name: 'team_inbox_event_store_commit_seconds',
    help: "The embedded store's commits (a group commit's transaction, fsync included), each holding up the appends in it",
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly eventsAppended = new Counter({
    name: 'team_inbox_events_appended_total',
    help: 'Events appended to the log by this process, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly projectionLagSeconds = new Histogram({
    name: 'team_inbox_projection_lag_seconds',
    help: "From an event being appended to the read models showing it (the projector's commit)",
    buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly inboundWebhooks = new Counter({
    name: 'team_inbox_inbound_webhooks_total',
    help: 'Shop webhooks received, by platform and outcome (bad_signature: refused with 401, nothing recorded)',
    labelNames: ['platform', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly webhookDeliveryAttempts = new Counter({
    name: 'team_inbox_webhook_delivery_attempts_total',
    help: 'Outbound webhook delivery attempts, by outcome (pending: failed, to be retried; failed: for good)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly applied: Subscription;
  private readonly webhookOutcomes: Subscription;
  private readonly deliveryOutcomes: Subscription;

  private readonly appended: Subscription;
  private readonly stopObservingCommits: () => void;

  constructor(
    projector: ProjectionProgress,
    @Inject(EVENT_STORE) eventStore: EventStore,
    @Inject(APPENDED_EVENTS) appended: Observable<AppendedEvents>,
    inboundWebhooks: InboundWebhooks,
    webhookSender: WebhookSender,
  ) {
    collectProcessMetrics(this.registry);
    this.webhookOutcomes = inboundWebhooks.outcomes.subscribe((outcome) => this.inboundWebhooks.inc(outcome));
    this.deliveryOutcomes = webhookSender.attempts.subscribe((attempt) => this.webhookDeliveryAttempts.inc(attempt));
    this.stopObservingCommits =
      eventStore instanceof SqliteEventStore
        ? eventStore.onCommit((durationMs) => this.eventStoreCommits.observe(durationMs / 1000))
        : () => undefined;
    this.appended = appended.subscribe(({ events }) => {
      for (const event of events) this.eventsAppended.inc({ type: event.type });
    });
    // To the commit that made the read models show it, wherever the projector runs.
    this.applied = projector.applied.subscribe(({ recordedAt, appliedAt }) =>
      this.projectionLagSeconds.observe(
        Math.max(0, (appliedAt?.getTime() ?? Date.now()) - recordedAt.getTime()) / 1000,
      ),
    );
    new Gauge({
      name: 'team_inbox_projection_lag_events',
      help: 'Events in the log that the read models do not show yet',
      registers: [this.registry],
      collect: async function (this: Gauge) {
        this.set(await countAfter(eventStore, projector.checkpoint));
      },
    });
    new Gauge({
      name: 'team_inbox_projection_position',
      help: 'The log position the read models show',
      registers: [this.registry],
      collect: function (this: Gauge) {
        this.set(Number(projector.checkpoint));
      },
    });
  }

  /**
   * Times every command (each route but the reads), from its arrival to its answer, by route. A Fastify
   * hook rather than a Nest interceptor: an interceptor costs every request an async resource and an
   * observable chain.
   */
  timeCommands(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url;
      if (route !== undefined && !READ_METHODS.has(request.method)) {
        const labels = { command: `${request.method} ${route}`, status: reply.statusCode < 400 ? 'ok' : 'refused' };
        this.commandDuration.observe(labels, reply.elapsedTime / 1000);
      }
      done();
    });
  }

  onModuleDestroy(): void {
    this.stopObservingCommits();
    this.applied.unsubscribe();
    this.appended.unsubscribe();
    this.webhookOutcomes.unsubscribe();
    this.deliveryOutcomes.unsubscribe();
  }
}

/**
 * prom-client's default metrics (process and Node.js), less the gauges it names `*_total`
 * (`nodejs_active_handles_total` and its kin): the suffix `_total` is a counter's, and promtool refuses a gauge
 * that bears it. What they counted stays, by type: `nodejs_active_handles`, `nodejs_active_requests`,
 * `nodejs_active_resources`.
 */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const metric of registry.getMetricsAsArray()) {
    if (metric instanceof Gauge && metric.name.endsWith('_total')) registry.removeSingleMetric(metric.name);
  }
}

async function countAfter(eventStore: EventStore, position: bigint): Promise<number> {
  let count = 0;
  for await (const event of eventStore.readAll({ fromPosition: position, limit: LAG_COUNT_LIMIT })) if (event) count++;
  return count;
}

@ApiBearerAuth()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @AllowedRoles('admin')
  @ApiExcludeEndpoint()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
