/**
 * Which deliveries to send now: pure, so the ordering rules are specified without a clock or a network.
 * A lane is one webhook's deliveries for one conversation; the outbox hands over each lane's first pending
 * delivery (its head), and nothing behind a head is ever sent before it.
 */
import type { Delivery } from './outbox';

export type Head = Pick<Delivery, 'id' | 'webhookId' | 'conversationId' | 'nextAttemptAt' | 'leasedUntil'>;

export function laneOf(delivery: Pick<Delivery, 'webhookId' | 'conversationId'>): string {
  return `${delivery.webhookId}/${delivery.conversationId}`;
}

export interface SendPlan<T extends Head> {
  send: T[];
  /** When the soonest head not sent now falls due (epoch ms); undefined where none is waiting on time. */
  wakeAt: number | undefined;
}

/**
 * Up to `slots` heads that are due, in the order given (soonest due first), skipping lanes that have an
 * attempt in flight here and heads another sender holds a lease on.
 */
export function planSends<T extends Head>(
  heads: readonly T[],
  busyLanes: ReadonlySet<string>,
  slots: number,
  now: number,
): SendPlan<T> {
  const send: T[] = [];
  let wakeAt: number | undefined;
  const later = (at: number) => (wakeAt = wakeAt === undefined ? at : Math.min(wakeAt, at));
  for (const head of heads) {
    if (busyLanes.has(laneOf(head))) continue; // its completion wakes the sender
    if (head.leasedUntil !== null && head.leasedUntil > now) later(head.leasedUntil);
    else if (head.nextAttemptAt !== null && head.nextAttemptAt > now) later(head.nextAttemptAt);
    else if (send.length < slots) send.push(head);
  }
  return { send, wakeAt };
}
