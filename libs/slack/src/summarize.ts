import type { AccessRequest } from '@dbre/domain';
import type { RequestSummary } from './blocks/model';

/** The domain's request as the Block Kit builders see it. */
export function summarize(r: AccessRequest): RequestSummary {
  const approvals = (r.pendingExtension && r.state === 'active' ? r.pendingExtension.approvals : r.approvals).map((a) => ({
    by: a.by.slackUserId ?? a.by.email ?? 'someone',
    at: a.at,
  }));
  return {
    id: r.id,
    requester: {
      ...(r.requester.slackUserId ? { slackUserId: r.requester.slackUserId } : {}),
      email: r.requester.email,
      name: r.requester.displayName,
    },
    clusterId: r.target.clusterId,
    environment: r.target.environment,
    database: r.target.database,
    profile: r.profile,
    durationMinutes: r.durationMinutes,
    reason: r.reason,
    state: r.state,
    approvalsRequired: r.approvalsRequired,
    approvals,
    ...(r.endsAt ? { endsAt: r.endsAt } : {}),
  };
}
