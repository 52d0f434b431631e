import { randomUUID } from 'node:crypto';
import type { AuditLog } from '@dbre/store';
import type { Identity } from '../auth/identity';

/**
 * Admin actions are audited in the same hash-chained log as every decision: on the request's own
 * chain when one is concerned, otherwise on a daily chain `ops-dashboard-YYYY-MM-DD`.
 */
export const adminChainId = (at: Date): string => `ops-dashboard-${at.toISOString().slice(0, 10)}`;

export interface AdminAudit {
  record(identity: Identity, action: string, data: Record<string, unknown>, requestId?: string): Promise<void>;
}

export function createAdminAudit(deps: { audit: AuditLog; clock?: () => Date }): AdminAudit {
  const clock = deps.clock ?? (() => new Date());
  return {
    async record(identity, action, data, requestId) {
      const at = clock();
      await deps.audit.append(requestId ?? adminChainId(at), {
        key: `ops-dashboard:${action}:${randomUUID()}`,
        kind: 'note',
        actor: identity.email ?? identity.id,
        at: at.toISOString(),
        data: { via: 'ops-dashboard', action, auth: identity.via, role: identity.role, ...data },
      });
    },
  };
}
