/** Words for what happened: the timeline's lines, names as the reader knows them, and the collision notice. */
import type { Actor, Customer, Details, Member, Message, TimelineEntry } from './api';
import { timelineKey } from './conversation-pages.js';

export class Names {
  constructor(
    private readonly members: Member[],
    private readonly me: { id: string; name: string },
  ) {}

  member(id: string | null | undefined): string {
    if (!id) return 'nobody';
    if (id === this.me.id) return this.me.name;
    return this.members.find((member) => member.id === id)?.name ?? 'a former member';
  }

  actor(actor: Actor): string {
    switch (actor.type) {
      case 'member':
        return this.member(actor.id);
      case 'integration':
        return 'An integration';
      case 'admin':
        return 'The admin';
      case 'system':
        return 'Team inbox';
    }
  }

  author(message: Message, customerName: string): string {
    return message.author.type === 'customer' ? `${customerName} (customer)` : this.member(message.author.id);
  }
}

/** The customer as a person: their name, else their email; never a store's or channel's raw customer id. */
export function customerLabel(customer: Customer): string {
  return customer.name ?? customer.email ?? 'Unknown customer';
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function describeEntry(entry: TimelineEntry, names: Names): string {
  const who = names.actor(entry.actor);
  switch (entry.type) {
    case 'assigned': {
      const assignee = text(entry.assigneeId);
      const previous = text(entry.previousAssigneeId);
      const byReplying = entry.reason === 'replied' ? ' by replying' : '';
      // Taken from someone: the reader should know whose it was.
      if (previous && previous !== entry.actor.id) {
        return assignee === entry.actor.id
          ? `${who} took it from ${names.member(previous)}${byReplying}`
          : `${who} assigned it to ${names.member(assignee)}, taking it from ${names.member(previous)}`;
      }
      // Replying to an unassigned conversation takes it: said as a taking, like "Eve took it from Bob".
      if (byReplying && assignee === entry.actor.id) return `${who} took it by replying`;
      return `${who} assigned it to ${names.member(assignee)}${byReplying}`;
    }
    case 'unassigned':
      return entry.reason === 'member_removed'
        ? `Unassigned: ${names.member(text(entry.previousAssigneeId))} left the team`
        : `${who} unassigned it`;
    case 'closed':
      return `${who} closed it`;
    case 'reopened':
      if (entry.reason === 'customer_replied') return 'Reopened: the customer replied';
      if (entry.reason === 'store_event') return 'Reopened: a store event needs action';
      return `${who} reopened it`;
    case 'store_event':
      return `Store event: ${String(entry.summary)}`;
    default:
      return `${who}: ${entry.type}`;
  }
}

/** What others did between the state the UI showed and the state now, in words; who did it first. */
export function describeChanges(before: Details, after: Details, names: Names): string {
  // Each answer holds a page of the most recent: what is new is what the earlier one did not hold.
  const seenEntries = new Set(before.timeline.map(timelineKey));
  const seenMessages = new Set(before.messages.map((message) => message.id));
  const entries = after.timeline.filter((entry) => !seenEntries.has(timelineKey(entry)));
  const messages = after.messages.filter((message) => !seenMessages.has(message.id));
  const customer = after.customer.name ?? 'The customer';
  const lines = [
    ...entries.map((entry) => describeEntry(entry, names)),
    ...messages.map((message) => `${names.author(message, customer)} wrote a message`),
  ];
  const actors = [
    ...new Set([
      ...entries.map((entry) => names.actor(entry.actor)),
      ...messages.map((message) => names.author(message, customer)),
    ]),
  ];
  const who = actors.length > 0 ? actors.join(' and ') : 'Someone';
  const what = lines.length > 0 ? `${lines.join('; ')}.` : 'it changed.';
  return `${who} changed this conversation before you: ${what} Nothing was overwritten; this is how it is now.`;
}
