import { grantSecretId } from '@dbre/domain';
import type { Logger } from '@dbre/service-kit';
import { clockOf, type WorkerDeps } from './deps';
import { createEvidenceSteps } from './evidence';

const ACTOR = 'provisioner';

/**
 * Provisioning that failed for good (retries exhausted, cluster gone, GRANT refused) or got stuck:
 * remove whatever exists, then `failed` with the `compensated` and `failed` events in one write,
 * and tell the requester exactly what was removed and what could not be checked. The one
 * implementation, used by the provisioner and by the sweep; safe to run twice.
 */
export function createCompensation(deps: WorkerDeps) {
  const clock = clockOf(deps);
  const evidence = deps.evidence ? createEvidenceSteps(deps, deps.evidence, ACTOR) : undefined;

  async function compensate(requestId: string, reason: string, logger: Logger): Promise<'compensated' | 'not applicable'> {
    const request = await deps.requests.get(requestId);
    if (!request || (request.state !== 'provisioning' && request.state !== 'approved')) return 'not applicable';
    const removed: string[] = [];
    const notRemoved: string[] = [];
    const { dbUser, bastionId } = request.resources;
    const secretId = request.resources.secretId ?? grantSecretId(requestId);
    if (dbUser) {
      const cluster = await deps.inventory.get(request.target.clusterId);
      if (cluster) {
        const report = await deps.admin.revokeUser(cluster, dbUser);
        removed.push(`database user ${dbUser} (${report.outcome})`);
      } else {
        // Nothing can reach the cluster: say so. The sweep drops the user if the cluster comes back
        // (a platform user no request holds is an orphan).
        notRemoved.push(`database user ${dbUser} on ${request.target.clusterId}: the cluster is no longer in the inventory, so the user could not be checked or dropped`);
      }
    }
    // A bastion opened but not yet recorded (the attempt failed in between) is found by its request.
    const bastions = bastionId ? [bastionId] : (await deps.bastion.list()).filter((b) => b.requestId === requestId).map((b) => b.bastionId);
    for (const id of bastions) {
      await deps.bastion.close(id);
      removed.push(`bastion ${id}`);
    }
    await deps.secrets.delete(secretId);
    removed.push(`secret ${secretId}`);

    const done = await deps.requests.update(
      requestId,
      (current) =>
        current.state === 'provisioning' || current.state === 'approved'
          ? {
              event: { type: 'fail', reason },
              audit: [
                { key: 'compensated', kind: 'compensated', actor: ACTOR, data: { removed, notRemoved } },
                { key: 'failed', kind: 'failed', actor: ACTOR, data: { reason } },
              ],
            }
          : undefined,
      clock,
    );
    if (!done.changed) return 'not applicable';
    const failed = done.request;
    const where = `${failed.target.clusterId}/${failed.target.database}`;
    const leftover = notRemoved.length
      ? ` Removed: ${removed.join(', ')}. Could not be checked or removed: ${notRemoved.join('; ')}. The DBRE team has been alerted.`
      : ' Everything provisioning had created was removed.';
    await deps.notifier.send({
      id: `failed-${requestId}`,
      kind: 'failed',
      to: failed.requester.email,
      requestId,
      text: `Your access request ${requestId} to ${where} could not be provisioned: ${reason}.${leftover} Please ask again or contact the DBRE team.`,
      data: { removed, notRemoved },
    });
    if (notRemoved.length) logger.error({ requestId, reason, removed, notRemoved }, 'provisioning failed; compensation could not check or remove everything');
    else logger.warn({ requestId, reason, removed }, 'provisioning failed; compensated');
    // The user may have logged in before provisioning failed: its statements are evidence too.
    await evidence?.sealQuietly(requestId, 'revoke', logger);
    return 'compensated';
  }

  return { compensate };
}
