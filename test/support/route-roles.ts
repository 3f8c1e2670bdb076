/** Who may call each route: the table access-control checks and bad-input sends its tokens by. */
import type { Role } from '@team-inbox/team';

const ALL: readonly Role[] = ['admin', 'agent', 'auditor', 'integration'];

/**
 * API.md's table, route by route (README's for GET /me, /inbox/counts, /metrics, the integrations' secrets
 * and the outbound webhooks). `public`: no token asked (the shop webhooks authenticate by their signature).
 */
export const ROUTE_ROLES: Readonly<Record<string, readonly Role[] | 'public'>> = {
  'GET /health': 'public',
  'GET /livez': 'public',
  'GET /readyz': 'public',
  'GET /me': ALL,
  'POST /members': ['admin'],
  'GET /members': ['admin', 'agent', 'auditor'],
  'DELETE /members/:id': ['admin'],
  'POST /integrations': ['admin'],
  'GET /integrations': ['admin'],
  'PUT /integrations/:id/secret': ['admin'],
  'POST /integrations/shopify/:integrationId/webhooks': 'public',
  'POST /integrations/woocommerce/:integrationId/webhooks': 'public',
  'POST /conversations': ['integration'],
  'POST /conversations/:id/messages': ['admin', 'agent', 'integration'],
  'POST /conversations/:id/assign': ['admin', 'agent'],
  'POST /conversations/:id/unassign': ['admin', 'agent'],
  'POST /conversations/:id/close': ['admin', 'agent'],
  'POST /conversations/:id/reopen': ['admin', 'agent'],
  'POST /conversations/:id/read': ['admin', 'agent'],
  'POST /store-events': ['integration'],
  'GET /inbox': ['admin', 'agent'],
  'GET /inbox/counts': ['admin', 'agent'],
  'GET /conversations': ['admin', 'agent', 'auditor'],
  'GET /conversations/:id': ['admin', 'agent', 'auditor'],
  'GET /conversations/:id/history': ['admin', 'agent', 'auditor'],
  'GET /audit/assignments': ['admin', 'auditor'],
  'GET /stream': ['admin', 'agent'],
  'GET /metrics': ['admin'],
  'POST /webhooks': ['admin'],
  'GET /webhooks': ['admin'],
  'GET /webhooks/:id': ['admin'],
  'DELETE /webhooks/:id': ['admin'],
  'GET /webhooks/:id/deliveries': ['admin'],
  'POST /webhooks/:id/deliveries/:deliveryId/redeliver': ['admin'],
};
