import type { AccessRequest, Actor } from '@dbre/domain';
import type { Person, RequestSummary } from './blocks/model';

/** An actor of the domain as the builders name it (no Slack id after a REST or dashboard decision). */
export function personOfActor(a: Actor): Person {
  return {
    ...(a.slackUserId ? { slackUserId: a.slackUserId } : {}),
    ...(a.email ? { email: a.email } : {}),
    ...(a.displayName ? { name: a.displayName } : {}),
  };
}

/** The domain's request as the Block Kit builders see it. */
export function summarize(r: AccessRequest): RequestSummary {
  const approvals = (r.pendingExtension && r.state === 'active' ? r.pendingExtension.approvals : r.approvals).map((a) => ({
    by: personOfActor(a.by),
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
    requestedAt: r.requestedAt,
    reviewExpiresAt: r.reviewExpiresAt,
    ...(r.endsAt ? { endsAt: r.endsAt } : {}),
    ...(r.startAt ? { startAt: r.startAt } : {}),
    ...(r.approvedMinutes !== undefined ? { approvedMinutes: r.approvedMinutes } : {}),
  };
}
