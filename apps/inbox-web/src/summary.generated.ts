// Generated from libs/conversations/src/summary-contract.ts by
// `node -r @swc-node/register libs/conversations/src/testing/write-web-summary.ts`: edit that, not this.

export interface Customer {
  id: string;
  name: string | null;
  email: string | null;
}

export interface Summary {
  id: string;
  subject: string | null;
  customer: Customer;
  status: 'open' | 'closed';
  assigneeId: string | null;
  lastActivityAt: string;
  lastMessagePreview: string | null;
  messageCount: number;
  revision: number;
}
