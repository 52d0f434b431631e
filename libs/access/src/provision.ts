import { DelayedError } from 'bullmq';
import { dbUserName, generatePassword, grantedMinutes, grantSecretId, minuteOf, suffixFromRequestId, type AccessRequest, type AuditEventInput, type RequestEvent } from '@dbre/domain';
import { renderCredentialsText, type BastionOpenInput, type ClusterTarget } from '@dbre/drivers';
import { MysqlAdminError, mysqlErrno } from '@dbre/mysql';
import { UnrecoverableError, type JobContext } from '@dbre/queue';
import type { Logger } from '@dbre/service-kit';
import { clockOf, type WorkerDeps } from './deps';
import { createCompensation } from './compensate';
import { failsafeAt, scheduleGrant } from './schedule';

const ACTOR = 'provisioner';
/** A delayed job fires a few ms late, never meaningfully early; earlier than this it waits. */
const EARLY_MS = 50;

/**
 * approved -> provisioning -> active in three writes, each the transition with its audit events:
 * (1) the claim, (2) the bastion, secret and user name, recorded before the user exists,
 * (3) activation with the user, credentials and end, then the warn and revoke jobs.
 * Every step is idempotent, so a job resumed after a crash at any boundary ends the same way.
 */
export function createProvisioner(deps: WorkerDeps) {
  const clock = clockOf(deps);
  const compensation = createCompensation(deps);
  const step = async (name: Parameters<NonNullable<WorkerDeps['onStep']>>[0], id: string) => deps.onStep?.(name, id);

  /** One write; a lost race throws so the queue retries from the fresh state. */
  async function write(request: AccessRequest, event: RequestEvent, audit: (next: AccessRequest) => AuditEventInput[], at = clock()): Promise<AccessRequest> {
    const entries = (next: AccessRequest) => audit(next).map((e) => ({ actor: ACTOR, ...e }));
    return deps.requests.applyTransitionOrThrow(request, event, at, entries);
  }

  async function clusterOf(request: AccessRequest): Promise<ClusterTarget> {
    const cluster = await deps.inventory.get(request.target.clusterId);
    if (!cluster) throw new UnrecoverableError(`cluster ${request.target.clusterId} is no longer in the inventory`);
    return cluster;
  }

  /** `early`: what the queue does with a job that fired before the request's scheduled start. */
  async function provision(requestId: string, logger: Logger, early?: (request: AccessRequest) => Promise<void>): Promise<string> {
    let request = await deps.requests.get(requestId);
    if (!request) throw new UnrecoverableError(`there is no access request ${requestId}`);
    if (request.state === 'approved' && startsLater(request)) {
      await early?.(request);
      return `scheduled: starts at ${request.startAt}`;
    }
    if (request.state === 'approved') {
      request = await write(request, { type: 'start_provisioning' }, () => [{ key: 'provisioning_started', kind: 'provisioning_started' }]);
      await step('claimed', request.id);
    }
    if (request.state === 'active') {
      // Activation was stored but the process stopped before scheduling: finish that part.
      await scheduleGrant(deps, request);
      return 'already active';
    }
    if (request.state !== 'provisioning') return `nothing to do: the request is ${request.state}`;
    const cluster = await clusterOf(request);

    // Three independent steps at once: the way in, the password, the user's name.
    const secretId = grantSecretId(request.id);
    const current = request;
    const [handle, password, user] = await Promise.all([
      deps.bastion.open({
        requestId: current.id,
        requester: current.requester.email,
        clusterId: cluster.id,
        target: cluster.endpoint,
        endsAt: new Date(clock().getTime() + grantedMinutes(current) * minuteOf(current)),
        ...bastionPlacement(cluster),
      }),
      // The secret before the user: a crash in between never leaves a user whose password nobody knows.
      (async () => {
        const stored = await deps.secrets.get(secretId);
        if (stored !== undefined) return stored;
        const fresh = generatePassword();
        await deps.secrets.put(secretId, fresh, { requestId: current.id, cluster: cluster.id });
        return fresh;
      })(),
      // Recorded before the user exists, so a retry reuses it and the sweep never mistakes it for an orphan.
      (async () => {
        if (current.resources.dbUser) return current.resources.dbUser;
        const taken = await deps.admin.listPlatformUsers(cluster);
        return dbUserName(current.requester.email, suffixFromRequestId(current.id), deps.policy.dbUser.maxLength[cluster.engine], taken, deps.policy.dbUser.prefix);
      })(),
    ]);
    const { resources } = request;
    if (resources.bastionId !== handle.bastionId || resources.connect?.port !== handle.connect.port || resources.secretId !== secretId || resources.dbUser !== user) {
      request = await write(
        request,
        { type: 'record_resources', resources: { bastionId: handle.bastionId, connect: handle.connect, connectCommand: handle.connectCommand || undefined, secretId, dbUser: user, dbHost: '%' } },
        () => [
          { key: 'bastion_created', kind: 'bastion_created', data: { bastionId: handle.bastionId, connect: handle.connect } },
          { key: 'secret_stored', kind: 'secret_stored', data: { secretId } },
        ],
      );
    }
    await step('resources', request.id);

    await deps.admin.createUser(cluster, { user, password, database: request.target.database, privileges: request.privileges }).catch((err: unknown) => {
      // A refusal (access denied, not grantable) is the same on every retry: compensate now.
      if (err instanceof MysqlAdminError && err.code === 'GRANT_FAILED' && isGrantRefusal(err.cause)) throw new UnrecoverableError(`the database refused the GRANT: ${err.message}`);
      throw err;
    });
    const userAt = clock().toISOString();
    await step('user', request.id);

    const notificationId = `credentials-${request.id}`;
    await deps.notifier.send({
      id: notificationId,
      kind: 'credentials',
      to: request.requester.email,
      requestId: request.id,
      sensitive: true,
      // The one renderer every channel uses: the tunnel step (AWS), the mysql line, the password (sealed in the outbox).
      text: renderCredentialsText({
        clusterId: cluster.id,
        database: request.target.database,
        user,
        password,
        connect: handle.connect,
        connectCommand: handle.connectCommand,
        durationMinutes: grantedMinutes(request),
      }),
      data: { cluster: cluster.id, database: request.target.database, user, connect: handle.connect },
    });
    const deliveredAt = clock().toISOString();
    await step('deliver', request.id);

    // The end is computed once, by the domain, in the activation; the failsafe follows it.
    const activationAt = clock();
    const ends = new Date(activationAt.getTime() + grantedMinutes(request) * minuteOf(request));
    // Best effort: where event_scheduler is ON the server drops the user itself even if the platform is down.
    const failsafe = await deps.admin.scheduleFailsafe(cluster, user, new Date(ends.getTime() + minuteOf(request))).catch((err: Error) => {
      logger.warn({ requestId, err: { message: err.message } }, 'could not schedule the failsafe drop event');
      return false;
    });
    const granted = request;
    request = await write(
      request,
      { type: 'activate' },
      (next) => [
        { key: 'user_created', kind: 'user_created', at: userAt, data: { dbUser: user, cluster: cluster.id, database: granted.target.database, privileges: granted.privileges } },
        { key: 'credentials_delivered', kind: 'credentials_delivered', at: deliveredAt, data: { notificationId, to: granted.requester.email } },
        { key: 'activated', kind: 'activated', data: { endsAt: next.endsAt, failsafeEvent: failsafe } },
      ],
      activationAt,
    );
    await step('activated', request.id);
    await scheduleGrant(deps, request);
    await step('scheduled', request.id);
    logger.info({ requestId: request.id, dbUser: user, endsAt: request.endsAt, failsafeAt: failsafeAt(request) }, 'grant active');
    return 'active';
  }

  /** A scheduled request not yet due: nothing is claimed before its start. */
  function startsLater(request: AccessRequest): boolean {
    return request.startAt !== undefined && Date.parse(request.startAt) - clock().getTime() > EARLY_MS;
  }

  /** The queue processor: retries with backoff; on the last attempt (or an unrecoverable error) compensates. */
  async function processor(payload: { requestId: string }, ctx: JobContext): Promise<string> {
    // Fired early (a clock ahead, a job added without its delay): the job waits for the start.
    const early = async (pending: AccessRequest) => {
      if (!ctx.token || !pending.startAt) return;
      await ctx.job.moveToDelayed(Date.parse(pending.startAt), ctx.token);
      ctx.logger.info({ requestId: pending.id, startAt: pending.startAt }, 'scheduled start not reached; provisioning moved to it');
      throw new DelayedError();
    };
    try {
      return await provision(payload.requestId, ctx.logger, early);
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      const attempts = ctx.job.opts.attempts ?? 1;
      const final = err instanceof UnrecoverableError || ctx.job.attemptsMade + 1 >= attempts;
      if (!final) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      await compensation.compensate(payload.requestId, reason, ctx.logger);
      throw new UnrecoverableError(`provisioning failed and was compensated: ${reason}`);
    }
  }

  return { provision, processor };
}

/** Server errors that retrying cannot fix: access denied / not allowed (SQLSTATE 42000 and the grant-specific ones). */
const REFUSALS = new Set([1044, 1045, 1142, 1143, 1227, 1370, 1410]);
/** Whether a failed GRANT's server error is a refusal (final: compensate now) rather than a fault worth retrying. */
export function isGrantRefusal(cause: unknown): boolean {
  const errno = mysqlErrno(cause);
  return (errno !== undefined && REFUSALS.has(errno)) || (cause as { sqlState?: unknown } | undefined)?.sqlState === '42000';
}

/**
 * Where the cluster lives, for the bastion: launched in its region and VPC, egress pinned to its
 * security groups (AWS inventory). Local clusters carry no placement.
 */
function bastionPlacement(cluster: ClusterTarget): Pick<BastionOpenInput, 'placement' | 'egress'> {
  const placement = cluster.placement;
  if (!placement) return {};
  return { placement, ...(placement.securityGroupIds.length ? { egress: { securityGroupIds: placement.securityGroupIds } } : {}) };
}
