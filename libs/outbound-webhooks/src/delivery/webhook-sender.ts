/**
 * Sends the outbox's pending deliveries: signed POSTs, at least once, in log order per (webhook,
 * conversation), conversations in parallel up to a bound per webhook. Each webhook has slots of its own, so
 * a receiver that is slow or down delays only its own deliveries. Each attempt's outcome is recorded before
 * the next attempt of its lane, so a restart resumes with the same attempt count; an attempt in flight at a
 * crash was not recorded, and is sent again. Off where `OUTBOUND_WEBHOOKS=off`.
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { SecretBox } from '@team-inbox/platform';
import { Subject } from 'rxjs';
import { OUTBOUND_WEBHOOKS_CONFIG, type OutboundWebhooksConfig } from '../outbound-webhooks.config';
import { signWebhook } from '../signing/webhook-signature';
import { Outbox, type LaneHead } from './outbox';
import { postWebhook, WebhookAgents } from './post-webhook';
import { outcomeOf, type AttemptResult } from './retry-schedule';
import { laneOf, planSends } from './send-plan';

/** Attempts in flight at once for one webhook, each for another conversation. */
export const MAX_IN_FLIGHT_PER_WEBHOOK = 8;
/** The longest the sender sleeps without looking at the outbox (another process may have queued work). */
const POLL_MS = 1000;
/** A lease outlives its attempt's timeout by this much; after a crash, the delivery waits that long. */
const LEASE_MARGIN_MS = 5000;
const USER_AGENT = 'team-inbox-webhooks/1';

@Injectable()
export class WebhookSender implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('OutboundWebhooks');
  /** Each attempt's outcome (`delivered`, `pending`: to be retried, `failed`: for good), for the metrics. */
  readonly attempts = new Subject<{ outcome: 'delivered' | 'pending' | 'failed' }>();
  /** By lane. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly inFlightByWebhook = new Map<string, number>();
  private readonly agents = new WebhookAgents();
  private readonly shutdown = new AbortController();
  /** Opened secrets by webhook id: unsealing on every attempt would be wasted work. */
  private readonly secrets = new Map<string, string>();
  private running = false;
  private fillScheduled = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly outbox: Outbox,
    private readonly secretBox: SecretBox,
    @Inject(OUTBOUND_WEBHOOKS_CONFIG) private readonly config: OutboundWebhooksConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.enabled) return;
    this.running = true;
    this.wake();
  }

  /** Stops taking deliveries, ends the attempts in flight unrecorded (they are sent again on the next start). */
  async onModuleDestroy(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.shutdown.abort();
    await Promise.allSettled(this.inFlight.values());
    this.agents.destroy();
  }

  /** Looks for due deliveries soon: after the dispatcher queued some, or an attempt ended. */
  wake(): void {
    if (!this.running || this.fillScheduled) return;
    this.fillScheduled = true;
    setImmediate(() => {
      this.fillScheduled = false;
      this.fill();
    });
  }

  private fill(): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    let wakeAt: number | undefined;
    try {
      const now = Date.now();
      const busyLanes = new Set(this.inFlight.keys());
      for (const webhookId of this.outbox.webhooksWithPending()) {
        const busy = this.inFlightByWebhook.get(webhookId) ?? 0;
        const slots = MAX_IN_FLIGHT_PER_WEBHOOK - busy;
        if (slots <= 0) continue; // an attempt of its ending wakes the sender
        // Enough heads that its in-flight lanes (skipped) cannot crowd out its free slots.
        const plan = planSends(this.outbox.laneHeads(webhookId, slots + busy), busyLanes, slots, now);
        if (plan.wakeAt !== undefined) wakeAt = Math.min(wakeAt ?? plan.wakeAt, plan.wakeAt);
        for (const delivery of plan.send) this.begin(delivery, now);
      }
    } catch (error) {
      this.logger.error('Could not read the outbox; trying again shortly', error);
    }
    const delay = wakeAt === undefined ? POLL_MS : Math.max(0, Math.min(wakeAt - Date.now(), POLL_MS));
    this.timer = setTimeout(() => this.wake(), delay);
  }

  private begin(delivery: LaneHead, now: number): void {
    if (!this.outbox.claim(delivery.id, delivery.attempts, now + this.config.timeoutMs + LEASE_MARGIN_MS, now)) return;
    const lane = laneOf(delivery);
    const { webhookId } = delivery;
    const attempt = this.attempt(delivery)
      .catch((error: unknown) => this.logger.error(`Delivery ${delivery.id}: the attempt could not be recorded`, error))
      .finally(() => {
        this.inFlight.delete(lane);
        const busy = (this.inFlightByWebhook.get(webhookId) ?? 1) - 1;
        if (busy > 0) this.inFlightByWebhook.set(webhookId, busy);
        else this.inFlightByWebhook.delete(webhookId);
        this.wake();
      });
    this.inFlight.set(lane, attempt);
    this.inFlightByWebhook.set(webhookId, (this.inFlightByWebhook.get(webhookId) ?? 0) + 1);
  }

  private async attempt(delivery: LaneHead): Promise<void> {
    const startedAt = new Date();
    const result = await this.post(delivery, startedAt);
    if (result === 'interrupted') {
      this.outbox.release(delivery.id);
      return;
    }
    const attempts = delivery.attempts + 1;
    const outcome = outcomeOf(result, attempts, this.config, Date.now());
    this.outbox.recordAttempt(delivery.id, attempts, startedAt, result, outcome);
    this.attempts.next({ outcome: outcome.status });
    if (outcome.status === 'failed') {
      this.logger.warn(
        `Delivery ${delivery.id} to webhook ${delivery.webhookId} failed for good after ${attempts} attempts: ${describeResult(result)}`,
      );
    }
  }

  private async post(delivery: LaneHead, startedAt: Date): Promise<AttemptResult | 'interrupted'> {
    let secret: string;
    try {
      secret = this.secretFor(delivery);
    } catch {
      return {
        error: 'The signing secret cannot be unsealed: was INBOX_SECRETS_KEY (or DATA_DIR/secrets-key) changed?',
      };
    }
    const timestamp = Math.floor(startedAt.getTime() / 1000);
    return postWebhook(
      {
        url: delivery.url,
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          ...signWebhook(secret, delivery.id, timestamp, delivery.body),
        },
        body: delivery.body,
        timeoutMs: this.config.timeoutMs,
        shutdown: this.shutdown.signal,
      },
      this.agents,
    );
  }

  private secretFor(delivery: LaneHead): string {
    let secret = this.secrets.get(delivery.webhookId);
    if (secret === undefined) {
      secret = this.secretBox.open(delivery.sealedSecret);
      this.secrets.set(delivery.webhookId, secret);
    }
    return secret;
  }
}

function describeResult(result: AttemptResult): string {
  return 'statusCode' in result ? `HTTP ${result.statusCode}` : result.error;
}
