import { minuteOf, warnAt, type AccessRequest } from '@dbre/domain';
import { ACCESS_JOB_IDS, enqueue } from '@dbre/queue';
import type { AccessDeps } from './deps';

type ScheduleDeps = Pick<AccessDeps, 'policy' | 'queues' | 'clock'>;

/** The warning before the end of an active grant (job id carries the end: an extension gets its own). */
export async function scheduleWarning(deps: ScheduleDeps, request: AccessRequest): Promise<void> {
  const at = warnAt(deps.policy, request);
  if (request.state !== 'active' || !request.endsAt || !at) return;
  const now = (deps.clock ?? (() => new Date()))().getTime();
  if (at.getTime() <= now) return;
  await enqueue(deps.queues.warn, { requestId: request.id, endsAt: request.endsAt }, { jobId: ACCESS_JOB_IDS.warn(request.id, request.endsAt), delay: at.getTime() - now });
}

/**
 * The warning and the revoke of an active grant as delayed jobs with deterministic ids: calling it
 * again (a retried job, the sweep after Redis lost everything) is harmless. A revoke job already
 * there is left alone: when the grant was extended it fires at the old end and moves itself (so the
 * worker, which holds the database credentials, also moves the failsafe drop event).
 */
export async function scheduleGrant(deps: ScheduleDeps, request: AccessRequest): Promise<void> {
  if (request.state !== 'active' || !request.endsAt) return;
  const now = (deps.clock ?? (() => new Date()))().getTime();
  await scheduleWarning(deps, request);
  await enqueue(deps.queues.revoke, { requestId: request.id, reason: 'expired' }, { jobId: ACCESS_JOB_IDS.revoke(request.id), delay: Math.max(0, Date.parse(request.endsAt) - now) });
}

/** The failsafe drop event one policy minute after the end (where the server runs events). */
export function failsafeAt(request: AccessRequest): Date | undefined {
  return request.endsAt ? new Date(Date.parse(request.endsAt) + minuteOf(request)) : undefined;
}

/** Runs the revoke job now: promotes the delayed one, or adds it when Redis lost it. */
export async function revokeNow(deps: Pick<AccessDeps, 'queues'>, request: AccessRequest): Promise<void> {
  const jobId = ACCESS_JOB_IDS.revoke(request.id);
  const job = await deps.queues.revoke.getJob(jobId);
  const state = job ? await job.getState() : 'missing';
  if (job && state === 'delayed') {
    // The job was scheduled as 'expired': say why it runs now (bull-board shows it; the stored request decides).
    if (request.revokeReason) await job.updateData({ ...job.data, reason: request.revokeReason });
    return job.promote();
  }
  // A finished job keeps its id: remove it so that the add below makes a new one. Adding under the id of a job
  // that is waiting or running changes nothing (BullMQ), so that one is left as it is.
  if (job && (state === 'completed' || state === 'failed')) await job.remove();
  await enqueue(deps.queues.revoke, { requestId: request.id, reason: request.revokeReason ?? 'ended_by_requester' }, { jobId });
}

/**
 * The provision job of an approved request: now, or delayed to its scheduled start. The job id is
 * deterministic, so the approval and the sweep (after Redis lost it) add it at most once.
 */
export async function scheduleProvisioning(deps: Pick<AccessDeps, 'queues' | 'clock'>, request: AccessRequest): Promise<void> {
  const now = (deps.clock ?? (() => new Date()))().getTime();
  const delay = request.startAt ? Math.max(0, Date.parse(request.startAt) - now) : 0;
  await enqueue(deps.queues.provision, { requestId: request.id }, { jobId: ACCESS_JOB_IDS.provision(request.id), ...(delay > 0 ? { delay } : {}) });
}
