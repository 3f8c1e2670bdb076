/**
 * Sends the outbox's pending deliveries: signed POSTs, at least once, in log order per (webhook,
 * conversation), conversations in parallel up to a bound. Each attempt's outcome is recorded before the
 * next attempt of its lane, so a restart resumes with the same attempt count; an attempt in flight at a
 * crash was not recorded, and is sent again. Off where `OUTBOUND_WEBHOOKS=off`.
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { SecretBox } from '@team-inbox/team';
import { Subject } from 'rxjs';
import { OUTBOUND_WEBHOOKS_CONFIG, type OutboundWebhooksConfig } from '../outbound-webhooks.config';
import { signWebhook } from '../signing/webhook-signature';
import { Outbox, type LaneHead } from './outbox';
import { outcomeOf, type AttemptResult } from './retry-schedule';
import { laneOf, planSends } from './send-plan';

/** Attempts in flight at once, each for another conversation. */
export const MAX_IN_FLIGHT = 8;
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
  private readonly inFlight = new Map<string, Promise<void>>();
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
      const slots = MAX_IN_FLIGHT - this.inFlight.size;
      if (slots > 0) {
        // Enough heads that the in-flight lanes (skipped) cannot crowd out the free slots.
        const heads = this.outbox.laneHeads(slots + this.inFlight.size);
        const plan = planSends(heads, new Set(this.inFlight.keys()), slots, now);
        wakeAt = plan.wakeAt;
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
    const attempt = this.attempt(delivery)
      .catch((error: unknown) => this.logger.error(`Delivery ${delivery.id}: the attempt could not be recorded`, error))
      .finally(() => {
        this.inFlight.delete(lane);
        this.wake();
      });
    this.inFlight.set(lane, attempt);
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
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          ...signWebhook(secret, delivery.id, timestamp, delivery.body),
        },
        body: delivery.body,
        // A redirect is not followed: the receiver registered this URL, and a signed body goes only there.
        redirect: 'manual',
        signal: AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.config.timeoutMs)]),
      });
      await response.body?.cancel();
      return { statusCode: response.status };
    } catch (error) {
      if (this.shutdown.signal.aborted) return 'interrupted';
      return { error: describeError(error, this.config.timeoutMs) };
    }
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

function describeError(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return `No answer within ${timeoutMs} ms`;
  // fetch reports a network failure as "fetch failed", with the reason (ECONNREFUSED, ENOTFOUND) as its cause.
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string')
    return `${cause.code}${typeof cause.message === 'string' ? `: ${cause.message}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

function describeResult(result: AttemptResult): string {
  return 'statusCode' in result ? `HTTP ${result.statusCode}` : result.error;
}
