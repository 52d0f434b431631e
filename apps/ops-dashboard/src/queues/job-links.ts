/**
 * What bull-board shows of a job beyond BullMQ's own fields: a link to the dashboard page the job
 * belongs to (bull-board's `externalJobUrl`, drawn in the job card's header) and, for revoke jobs,
 * why in the name. Links are built only from ids that match their format, so job data (which
 * any producer writes) can never make a link elsewhere.
 */

const ULID = /[0-9A-HJKMNP-TV-Z]{26}/;
const EXACT_ULID = new RegExp(`^${ULID.source}$`);
const CLUSTER_ID = /^[a-z][a-z0-9-]{1,62}$/;

interface JobLike {
  name?: string;
  data?: unknown;
}

const field = (job: JobLike, name: string): unknown => (job.data && typeof job.data === 'object' ? (job.data as Record<string, unknown>)[name] : undefined);

/** The access request a job works for: `requestId` in its data, or the ULID inside a notification id. */
export function requestIdOfJob(job: JobLike): string | undefined {
  const requestId = field(job, 'requestId');
  if (typeof requestId === 'string') return EXACT_ULID.test(requestId) ? requestId : undefined;
  const notificationId = field(job, 'notificationId');
  if (typeof notificationId === 'string') return ULID.exec(notificationId)?.[0];
  return undefined;
}

/** bull-board's `externalJobUrl`: the request page, or the crawls page for doc-crawler jobs. */
export function jobLink(queueName: string, job: JobLike): { href: string; displayText: string } | undefined {
  const requestId = requestIdOfJob(job);
  if (requestId) return { href: `/requests/${requestId}`, displayText: `request ${requestId}` };
  if (queueName === 'docs-fleet' || queueName === 'docs-cluster') {
    const clusterId = field(job, 'clusterId');
    return { href: '/crawls', displayText: typeof clusterId === 'string' && CLUSTER_ID.test(clusterId) ? `crawls of ${clusterId}` : 'crawls' };
  }
  return undefined;
}

const REVOKE_REASONS: Record<string, string> = {
  expired: 'expired',
  ended_by_requester: 'ended by the requester',
  ended_by_approver: 'ended by an approver',
  ended_by_operator: 'ended by an operator',
  sweep: 'sweep',
};

/** A revoke job's name says why it runs (`revoke — expired`); other names are left as they are. */
export function jobName(queueName: string, job: JobLike): string {
  const name = job.name ?? '';
  if (queueName !== 'revoke') return name;
  const reason = field(job, 'reason');
  const why = typeof reason === 'string' && Object.hasOwn(REVOKE_REASONS, reason) ? REVOKE_REASONS[reason] : 'reason not given';
  return `${name} — ${why}`;
}
