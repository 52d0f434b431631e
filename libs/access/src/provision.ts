import { dbUserName, generatePassword, grantSecretId, suffixFromRequestId, type AccessPolicy, type AccessRequest, type AuditEventInput, type RequestEvent } from '@dbre/domain';
import type { Bastion, ClusterTarget, Inventory, Notifier, SecretStore } from '@dbre/drivers';
import { ACCESS_JOB_IDS, enqueue, UnrecoverableError, type JobContext, type TypedQueue } from '@dbre/queue';
import type { Logger } from '@dbre/service-kit';
import type { AuditLog, Dynamo, RequestRepository } from '@dbre/store';
import type { GrantAdmin } from '@dbre/mysql';
import { scaleGrantEnd } from './time-scale';

export type ProvisionStep = 'bastion' | 'secret' | 'user' | 'deliver' | 'active';

export interface ProvisionDeps {
  requests: RequestRepository;
  audit: AuditLog;
  policy: AccessPolicy;
  inventory: Inventory;
  admin: GrantAdmin;
  bastion: Bastion;
  secrets: SecretStore;
  notifier: Notifier;
  queues: { warn: TypedQueue<'warn'>; revoke: TypedQueue<'revoke'> };
  dynamo: Dynamo;
  /** One policy minute in ms (60 000 except in tests and the benchmark). */
  minuteMs: number;
  clock?: () => Date;
  /** Called after each step is done and recorded (fault injection in tests, metrics). */
  onStep?: (step: ProvisionStep, requestId: string) => void | Promise<void>;
}

const ACTOR = 'provisioner';

export function createProvisioner(deps: ProvisionDeps) {
  const clock = deps.clock ?? (() => new Date());

  // A lost race throws: the queue retries the job from the fresh state.
  const apply = (request: AccessRequest, event: RequestEvent): Promise<AccessRequest> => deps.requests.applyTransitionOrThrow(request, event, clock());

  const audit = (requestId: string, input: Omit<AuditEventInput, 'actor'>) => deps.audit.append(requestId, { actor: ACTOR, ...input });

  async function clusterOf(request: AccessRequest): Promise<ClusterTarget> {
    const cluster = await deps.inventory.get(request.target.clusterId);
    if (!cluster) throw new UnrecoverableError(`cluster ${request.target.clusterId} is no longer in the inventory`);
    return cluster;
  }

  /** The warning and the revoke as delayed jobs with deterministic ids: scheduling twice is harmless. */
  async function schedule(request: AccessRequest): Promise<void> {
    if (request.state !== 'active' || !request.endsAt) return;
    const now = clock().getTime();
    const ends = Date.parse(request.endsAt);
    const warnAt = ends - deps.policy.warnBeforeMinutes * deps.minuteMs;
    if (warnAt > now) {
      await enqueue(deps.queues.warn, { requestId: request.id, endsAt: request.endsAt }, { jobId: ACCESS_JOB_IDS.warn(request.id, request.endsAt), delay: warnAt - now });
    }
    await enqueue(deps.queues.revoke, { requestId: request.id, reason: 'expired' }, { jobId: ACCESS_JOB_IDS.revoke(request.id), delay: Math.max(0, ends - now) });
  }

  /** approved -> provisioning -> bastion -> secret -> user -> credentials -> active; each step idempotent. */
  async function provision(requestId: string, logger: Logger): Promise<string> {
    let request = await deps.requests.get(requestId);
    if (!request) throw new UnrecoverableError(`there is no access request ${requestId}`);
    if (request.state === 'approved') {
      request = await apply(request, { type: 'start_provisioning' });
    }
    if (request.state === 'active') {
      await schedule(request);
      return 'already active';
    }
    if (request.state !== 'provisioning') return `nothing to do: the request is ${request.state}`;
    await audit(request.id, { key: 'provisioning_started', kind: 'provisioning_started' });
    const cluster = await clusterOf(request);

    // Three independent steps at once: the way in, the password, the user's name.
    const secretId = grantSecretId(request.id);
    const current = request;
    const [handle, password, user] = await Promise.all([
      // The domain's end is not known yet; the bastion is closed at revoke anyway.
      deps.bastion.open({
        requestId: current.id,
        requester: current.requester.email,
        clusterId: cluster.id,
        target: cluster.endpoint,
        endsAt: new Date(clock().getTime() + current.durationMinutes * deps.minuteMs),
      }),
      // The secret before the user: a crash in between never leaves a user whose password nobody knows.
      (async () => {
        const stored = await deps.secrets.get(secretId);
        if (stored !== undefined) return stored;
        const fresh = generatePassword();
        await deps.secrets.put(secretId, fresh, { requestId: current.id, cluster: cluster.id });
        return fresh;
      })(),
      // The name is recorded before the user exists, so a retry reuses it and the sweep never mistakes it for an orphan.
      (async () => {
        if (current.resources.dbUser) return current.resources.dbUser;
        const taken = await deps.admin.listPlatformUsers(cluster);
        return dbUserName(current.requester.email, suffixFromRequestId(current.id), deps.policy.dbUser.maxLength[cluster.engine], taken, deps.policy.dbUser.prefix);
      })(),
    ]);
    // One conditional write records all three resources (fewer round trips than one per step).
    const { resources } = request;
    if (resources.bastionId !== handle.bastionId || resources.connect?.port !== handle.connect.port || resources.secretId !== secretId || resources.dbUser !== user) {
      request = await apply(request, {
        type: 'record_resources',
        resources: { bastionId: handle.bastionId, connect: handle.connect, connectCommand: handle.connectCommand || undefined, secretId, dbUser: user, dbHost: '%' },
      });
    }
    await audit(request.id, { key: 'bastion_created', kind: 'bastion_created', data: { bastionId: handle.bastionId, connect: handle.connect } });
    await deps.onStep?.('bastion', request.id);
    await audit(request.id, { key: 'secret_stored', kind: 'secret_stored', data: { secretId } });
    await deps.onStep?.('secret', request.id);

    await deps.admin.createUser(cluster, { user, password, database: request.target.database, privileges: request.privileges });
    await audit(request.id, { key: 'user_created', kind: 'user_created', data: { dbUser: user, cluster: cluster.id, database: request.target.database, privileges: request.privileges } });
    await deps.onStep?.('user', request.id);

    const notificationId = `credentials-${request.id}`;
    await deps.notifier.send({
      id: notificationId,
      kind: 'credentials',
      to: request.requester.email,
      requestId: request.id,
      sensitive: true,
      text: credentialsText(request, user, password, handle.connect),
      data: { cluster: cluster.id, database: request.target.database, user, connect: handle.connect },
    });
    await audit(request.id, { key: 'credentials_delivered', kind: 'credentials_delivered', data: { notificationId, to: request.requester.email } });
    await deps.onStep?.('deliver', request.id);

    request = await apply(request, { type: 'activate' });
    request = await scaleGrantEnd(deps.dynamo, request, deps.minuteMs);
    const endsAt = new Date(request.endsAt ?? clock().toISOString());
    const activeId = request.id;
    // Best effort: where event_scheduler is ON the server drops the user itself even if the platform is down.
    const failsafe = await deps.admin.scheduleFailsafe(cluster, user, new Date(endsAt.getTime() + deps.minuteMs)).catch((err: Error) => {
      logger.warn({ requestId: activeId, err: { message: err.message } }, 'could not schedule the failsafe drop event');
      return false;
    });
    await audit(request.id, { key: 'activated', kind: 'activated', data: { endsAt: request.endsAt, failsafeEvent: failsafe } });
    await schedule(request);
    await deps.onStep?.('active', request.id);
    logger.info({ requestId: request.id, dbUser: user, endsAt: request.endsAt }, 'grant active');
    return 'active';
  }

  /** Removes whatever provisioning created, then `failed`; safe to run twice. */
  async function compensate(requestId: string, reason: string, logger: Logger): Promise<void> {
    let request = await deps.requests.get(requestId);
    if (!request || (request.state !== 'provisioning' && request.state !== 'approved')) return;
    const removed: string[] = [];
    const { dbUser, bastionId, secretId } = request.resources;
    if (dbUser) {
      const cluster = await deps.inventory.get(request.target.clusterId);
      if (cluster) {
        const report = await deps.admin.revokeUser(cluster, dbUser);
        removed.push(`user ${dbUser} (${report.outcome})`);
      }
    }
    if (bastionId) {
      await deps.bastion.close(bastionId);
      removed.push(`bastion ${bastionId}`);
    }
    await deps.secrets.delete(secretId ?? grantSecretId(requestId));
    removed.push('secret');
    await audit(requestId, { key: 'compensated', kind: 'compensated', data: { removed } });
    if (request.state === 'approved') request = await apply(request, { type: 'start_provisioning' });
    request = await apply(request, { type: 'fail', reason });
    await audit(requestId, { key: 'failed', kind: 'failed', data: { reason } });
    await deps.notifier.send({
      id: `failed-${requestId}`,
      kind: 'failed',
      to: request.requester.email,
      requestId,
      text: `Your access request ${requestId} to ${request.target.clusterId}/${request.target.database} could not be provisioned: ${reason}. Nothing was left behind; please ask again or contact the DBRE team.`,
    });
    logger.warn({ requestId, reason, removed }, 'provisioning failed; compensated');
  }

  /** The queue processor: retries with backoff; on the last attempt (or an unrecoverable error) compensates. */
  async function processor(payload: { requestId: string }, ctx: JobContext): Promise<string> {
    try {
      return await provision(payload.requestId, ctx.logger);
    } catch (err) {
      const attempts = ctx.job.opts.attempts ?? 1;
      const final = err instanceof UnrecoverableError || ctx.job.attemptsMade + 1 >= attempts;
      if (!final) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      await compensate(payload.requestId, reason, ctx.logger);
      throw new UnrecoverableError(`provisioning failed and was compensated: ${reason}`);
    }
  }

  return { provision, compensate, schedule, processor };
}

function credentialsText(request: AccessRequest, user: string, password: string, connect: { host: string; port: number }): string {
  const db = request.target.database === '*' ? '' : ` ${request.target.database}`;
  return [
    `Access granted to ${request.target.clusterId}${db === '' ? '' : `/${request.target.database}`} (${request.profile}) for ${request.durationMinutes} min.`,
    `host ${connect.host} port ${connect.port} user ${user} password ${password}`,
    `mysql -h ${connect.host} -P ${connect.port} -u ${user} -p'${password}'${db}`,
  ].join('\n');
}
