import type { Actor } from '@dbre/domain';

/**
 * What the dashboard may do to a grant. Declared here (the consumer) and implemented by the
 * access lifecycle's own code path — the one behind `POST /v1/access-requests/:id/end` — so a
 * grant ended from the dashboard is revoked, audited and notified exactly like any other.
 */
export interface GrantActions {
  /** Ends an active grant now; throws the lifecycle's coded errors (not found, illegal now, ...). */
  endNow(requestId: string, by: Actor): Promise<void>;
}
