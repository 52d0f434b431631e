import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import type { AccessRequest } from '@dbre/domain';
import type { Bastion, BastionOpenInput } from '@dbre/drivers';
import { ACCESS_JOB_IDS } from '@dbre/queue';
import { testServices, uniqueName } from '@dbre/testing';
import { createProvisioner, PROVISION_STEPS, type AccessStep, type WorkerDeps } from '../src';
import { APPROVER, localCluster, parseCredentials, REQUESTER, startHarness, type Harness } from './harness';

// approved -> provisioning -> active against the real store (dynalite), the real MariaDB, the
// forwarder bastion, the encrypted secret store and outbox, and real BullMQ queues.

const PROVISIONED = ['requested', 'approved', 'provisioning_started', 'bastion_created', 'secret_stored', 'user_created', 'credentials_delivered', 'activated'];

const weak = `w${randomBytes(3).toString('hex')}_adm`;
const weakPassword = `Weak-${randomBytes(12).toString('hex')}`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    clusters: [
      // May create users but holds no SHOW VIEW to give away: the database refuses such a GRANT.
      localCluster('weakdb', 'dev', { admin: { user: weak, password: weakPassword } }),
      localCluster('placed', 'dev', { placement: { region: 'eu-west-1', vpcId: 'vpc-1', securityGroupIds: ['sg-db1', 'sg-db2'], availabilityZones: ['eu-west-1a'] } }),
      localCluster('placednosg', 'dev', { placement: { region: 'eu-west-1', securityGroupIds: [], availabilityZones: [] } }),
    ],
  });
  await h.root.query('DROP USER IF EXISTS ?@?', [weak, '%']);
  await h.root.query('CREATE USER ?@? IDENTIFIED BY ?', [weak, '%', weakPassword]);
  await h.root.query('GRANT SELECT, CREATE USER, PROCESS, RELOAD ON *.* TO ?@? WITH GRANT OPTION', [weak, '%']);
}, 60_000);
afterAll(async () => {
  await h.root.query('DROP USER IF EXISTS ?@?', [weak, '%']);
  await h.close();
});

/** A clock the test moves: each read advances it by `tick` ms (0: frozen). */
function testClock(start = Date.now(), tick = 0) {
  let t = start;
  const clock = () => {
    const now = new Date(t);
    t += tick;
    return now;
  };
  return { clock, set: (ms: number) => (t = ms), now: () => t };
}

const openedBastions: BastionOpenInput[] = [];
function depsWith(extra: Partial<WorkerDeps> = {}): WorkerDeps {
  const recording: Bastion = { ...h.bastion, open: async (input) => (openedBastions.push(input), h.bastion.open(input)) };
  return { ...h.deps, bastion: recording, ...extra };
}

async function credentialsOf(id: string) {
  const msg = await h.outbox.open(`credentials-${id}`, REQUESTER);
  return parseCredentials(msg.text);
}

describe('provisioning an approved request', () => {
  it('ends active for exactly the granted minutes, with one user holding exactly the asked grant, whose password works through the bastion', async () => {
    const time = testClock(Date.now(), 1);
    const r = await h.approved({ durationMinutes: 3 });
    const provisioner = createProvisioner(depsWith({ clock: time.clock }));
    expect(await provisioner.provision(r.id, h.logger)).toBe('active');

    const active = await h.requests.require(r.id);
    expect(active.state).toBe('active');
    expect(Date.parse(active.endsAt!) - Date.parse(active.activeAt!)).toBe(3 * 1000);
    const user = active.resources.dbUser!;
    expect(user.startsWith(`${h.userPrefix}dave_jones_`)).toBe(true);
    expect(user.endsWith(r.id.toLowerCase().slice(-5))).toBe(true);
    expect(active.resources).toMatchObject({ bastionId: `fwd-${r.id}`, secretId: `dbre/access/${r.id}`, dbHost: '%', connect: { host: '127.0.0.1' } });
    // The forwarder needs no command: none is recorded (not an empty one).
    expect(active.resources).not.toHaveProperty('connectCommand');
    expect(await h.platformUsers()).toEqual([user]);
    const grants = await h.grantsOf(user);
    expect(grants).toHaveLength(2);
    expect(grants[0]).toMatch(new RegExp(`^GRANT USAGE ON \\*\\.\\* TO \`${user}\`@\`%\` IDENTIFIED BY PASSWORD '\\*[0-9A-F]{40}'$`));
    // `_` escaped: the grant covers this database only, not look-alikes.
    expect(grants[1]).toBe(`GRANT SELECT ON \`${h.database.replace(/_/g, '\\_')}\`.* TO \`${user}\`@\`%\``);

    // The requester's message: the one credentials text, sealed; the password works through the forwarder and equals the stored secret.
    const listed = (await h.outbox.list(REQUESTER)).find((m) => m.id === `credentials-${r.id}`);
    const opened = await h.outbox.open(`credentials-${r.id}`, REQUESTER);
    const creds = parseCredentials(opened.text);
    // Sealed: the listing never shows the password, only opening it once does.
    expect(listed?.text).not.toContain(creds.password);
    expect(opened.text).toContain('for 3 min');
    expect(creds).toMatchObject({ host: '127.0.0.1', port: active.resources.connect!.port, user });
    expect(await h.secrets.get(`dbre/access/${r.id}`)).toBe(creds.password);
    expect(await h.loginAndQuery(user, creds.password, 'SELECT v FROM t WHERE id = 1', creds.port)).toEqual([{ v: 'one' }]);
    await expect(h.loginAndQuery(user, creds.password, "INSERT INTO t VALUES (2, 'two')")).rejects.toMatchObject({ errno: 1142 });
    const message = (await h.outbox.list(REQUESTER)).find((m) => m.id === `credentials-${r.id}`);
    expect(message).toMatchObject({ kind: 'credentials', requestId: r.id, data: { cluster: 'devdb', database: h.database, user, connect: { host: '127.0.0.1', port: creds.port } } });

    // The chain: every step once, in order, by the provisioner, with what each step did.
    const events = await h.audit.list(r.id);
    expect(events.map((e) => e.kind)).toEqual(PROVISIONED);
    expect(events.slice(2).every((e) => e.actor === 'provisioner')).toBe(true);
    const byKind = Object.fromEntries(events.map((e) => [e.kind, e]));
    expect(byKind['bastion_created']!.data).toEqual({ bastionId: `fwd-${r.id}`, connect: { host: '127.0.0.1', port: creds.port } });
    expect(byKind['secret_stored']!.data).toEqual({ secretId: `dbre/access/${r.id}` });
    expect(byKind['user_created']!.data).toEqual({ dbUser: user, cluster: 'devdb', database: h.database, privileges: ['SELECT'] });
    expect(byKind['credentials_delivered']!.data).toEqual({ notificationId: `credentials-${r.id}`, to: REQUESTER });
    // event_scheduler is OFF on the test server: no failsafe event.
    expect(byKind['activated']!.data).toEqual({ endsAt: active.endsAt, failsafeEvent: false });
    // Each event carries the time its step happened: user, then delivery, then activation.
    expect(Date.parse(byKind['user_created']!.at)).toBeLessThan(Date.parse(byKind['credentials_delivered']!.at));
    expect(Date.parse(byKind['credentials_delivered']!.at)).toBeLessThan(Date.parse(byKind['activated']!.at));
    expect(byKind['activated']!.at).toBe(active.activeAt);
    expect(await h.audit.verifyChain(r.id)).toMatchObject({ ok: true, count: PROVISIONED.length });
    expect(h.logLines().find((l) => l['msg'] === 'grant active' && l['requestId'] === r.id)).toMatchObject({
      dbUser: user,
      endsAt: active.endsAt,
      failsafeAt: new Date(Date.parse(active.endsAt!) + 1000).toISOString(),
    });
  });

  it('schedules the warning (warnBefore minutes before the end) and the revoke (at the end) with deterministic ids', async () => {
    const time = testClock();
    const r = await h.approved({ durationMinutes: 5 });
    await createProvisioner(depsWith({ clock: time.clock })).provision(r.id, h.logger);
    const active = await h.requests.require(r.id);
    const endsMs = Date.parse(active.endsAt!);
    expect(endsMs).toBe(time.now() + 5000);

    const revoke = await h.queues.revoke.getJob(`revoke-${r.id}`);
    expect(revoke?.data).toEqual({ requestId: r.id, reason: 'expired' });
    expect(revoke?.delay).toBe(5000);
    expect(await revoke?.getState()).toBe('delayed');
    const warn = await h.queues.warn.getJob(`warn-${r.id}-${endsMs}`);
    expect(warn?.data).toEqual({ requestId: r.id, endsAt: active.endsAt });
    expect(warn?.delay).toBe(3000); // 2 policy minutes of 1 s before the end
  });

  it('a grant shorter than the warning gets its revoke but no warning', async () => {
    const time = testClock();
    const r = await h.approved({ durationMinutes: 2 });
    await createProvisioner(depsWith({ clock: time.clock })).provision(r.id, h.logger);
    const active = await h.requests.require(r.id);
    expect((await h.queues.revoke.getJob(`revoke-${r.id}`))?.delay).toBe(2000);
    expect(await h.queues.warn.getJob(`warn-${r.id}-${Date.parse(active.endsAt!)}`)).toBeUndefined();
  });

  it('grants what an approver shortened, not what was asked', async () => {
    const time = testClock();
    const r = await h.requested({ durationMinutes: 10 });
    await h.requests.applyTransitionOrThrow(r, { type: 'approve', by: { email: APPROVER }, minutes: 4 }, new Date(), [{ key: `approved:${APPROVER}`, kind: 'approved' }]);
    await createProvisioner(depsWith({ clock: time.clock })).provision(r.id, h.logger);
    const active = await h.requests.require(r.id);
    expect(Date.parse(active.endsAt!) - time.now()).toBe(4000);
    expect((await h.bastion.record(`fwd-${r.id}`))?.endsAt).toBe(new Date(time.now() + 4000).toISOString());
    expect((await credentialsOf(r.id)).user).toBe(active.resources.dbUser);
  });

  it('opens the bastion in the cluster’s region and VPC with egress to its security groups (none when it has none)', async () => {
    const a = await h.approved({ clusterId: 'placed' });
    const b = await h.approved({ clusterId: 'placednosg' });
    const c = await h.approved();
    const provisioner = createProvisioner(depsWith());
    for (const r of [a, b, c]) expect(await provisioner.provision(r.id, h.logger)).toBe('active');
    const opened = (id: string) => openedBastions.find((o) => o.requestId === id);
    expect(opened(a.id)).toMatchObject({ requester: REQUESTER, clusterId: 'placed', target: { host: testServices.mysql.host, port: testServices.mysql.port } });
    expect(opened(a.id)?.placement).toEqual({ region: 'eu-west-1', vpcId: 'vpc-1', securityGroupIds: ['sg-db1', 'sg-db2'], availabilityZones: ['eu-west-1a'] });
    expect(opened(a.id)?.egress).toEqual({ securityGroupIds: ['sg-db1', 'sg-db2'] });
    expect(opened(b.id)?.placement).toEqual({ region: 'eu-west-1', securityGroupIds: [], availabilityZones: [] });
    expect(opened(b.id)).not.toHaveProperty('egress');
    expect(opened(c.id)).not.toHaveProperty('placement');
    expect(opened(c.id)).not.toHaveProperty('egress');
  });

  it('a second run of a finished job changes nothing: same user, same events, same version', async () => {
    const r = await h.approved();
    const provisioner = createProvisioner(depsWith());
    await provisioner.provision(r.id, h.logger);
    const first = await h.requests.require(r.id);
    expect(await provisioner.provision(r.id, h.logger)).toBe('already active');
    const second = await h.requests.require(r.id);
    expect(second.version).toBe(first.version);
    expect(await h.kinds(r.id)).toEqual(PROVISIONED);
    expect((await h.platformUsers()).filter((u) => u === first.resources.dbUser)).toHaveLength(1);
  });

  it('refuses what it cannot or need not provision', async () => {
    const provisioner = createProvisioner(depsWith());
    const missing = '01JACC0000000000000MISSING';
    const err = await provisioner.provision(missing, h.logger).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toBe(`there is no access request ${missing}`);

    const waiting = await h.requested();
    expect(await provisioner.provision(waiting.id, h.logger)).toBe('nothing to do: the request is requested');
    expect((await h.requests.require(waiting.id)).version).toBe(waiting.version);
  });

  it('a cluster gone from the inventory is unrecoverable, named in the message', async () => {
    h.clusters.set('brief', localCluster('brief'));
    const r = await h.approved({ clusterId: 'brief' });
    h.clusters.delete('brief');
    const err = await createProvisioner(depsWith()).provision(r.id, h.logger).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toBe('cluster brief is no longer in the inventory');
    expect((await h.requests.require(r.id)).state).toBe('provisioning');
  });

  it('a GRANT the database refuses is unrecoverable; a missing database is retried (not unrecoverable)', async () => {
    const refused = await h.approved({ clusterId: 'weakdb', profile: 'views' });
    const err = await createProvisioner(depsWith()).provision(refused.id, h.logger).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toMatch(/^the database refused the GRANT: /);

    const db = uniqueName('acc_gone');
    await h.root.query(`CREATE DATABASE \`${db}\``);
    const r = await h.approved({ database: db });
    await h.root.query(`DROP DATABASE \`${db}\``);
    const gone = await createProvisioner(depsWith()).provision(r.id, h.logger).catch((e: unknown) => e);
    expect(gone).not.toBeInstanceOf(UnrecoverableError);
    expect(gone).toMatchObject({ code: 'DATABASE_NOT_FOUND' });
  });
});

describe('a provisioner that resumes after a restart', () => {
  it('a forwarder that comes back on another port (its port was taken) is recorded, and the credentials name the new port', async () => {
    const r = await h.approved();
    const onStep = (s: AccessStep) => {
      if (s === 'resources') throw new Error('the process stopped');
    };
    await expect(createProvisioner(depsWith({ onStep })).provision(r.id, h.logger)).rejects.toThrow('the process stopped');
    const half = await h.requests.require(r.id);
    const oldPort = half.resources.connect!.port;
    // The process died: its listener is gone, and something else took the port meanwhile.
    h.host.stop(`fwd-${r.id}`);
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(oldPort, '127.0.0.1', resolve));
    try {
      expect(await createProvisioner(depsWith()).provision(r.id, h.logger)).toBe('active');
    } finally {
      squatter.close();
    }
    const active = await h.requests.require(r.id);
    expect(active.resources.connect!.port).not.toBe(oldPort);
    expect(active.resources.bastionId).toBe(half.resources.bastionId);
    const creds = await credentialsOf(r.id);
    expect(creds.port).toBe(active.resources.connect!.port);
    expect(await h.loginAndQuery(creds.user, creds.password, 'SELECT 1 AS one', creds.port)).toEqual([{ one: 1 }]);
  });

  it('an admin refused CREATE USER is retried (only a refused GRANT is final)', async () => {
    const name = `n${randomBytes(3).toString('hex')}_adm`;
    const pass = `Nouser-${randomBytes(12).toString('hex')}`;
    await h.root.query('CREATE USER ?@? IDENTIFIED BY ?', [name, '%', pass]);
    await h.root.query('GRANT SELECT ON *.* TO ?@?', [name, '%']);
    h.clusters.set('nocreate', localCluster('nocreate', 'dev', { admin: { user: name, password: pass } }));
    try {
      const r = await h.approved({ clusterId: 'nocreate' });
      const err = await createProvisioner(depsWith()).provision(r.id, h.logger).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CREATE_USER_FAILED' });
      expect(err).not.toBeInstanceOf(UnrecoverableError);
    } finally {
      await h.root.query('DROP USER IF EXISTS ?@?', [name, '%']);
    }
  });
});

describe('a provisioner that stops at a boundary', () => {
  it.each(PROVISION_STEPS)('after "%s": the next run ends active with one user, the revoke scheduled, every event once', async (at) => {
    const r = await h.approved();
    let crashed = false;
    const onStep = (s: AccessStep, id: string) => {
      if (s === at && id === r.id && !crashed) {
        crashed = true;
        throw new Error(`crash after ${s}`);
      }
    };
    const provisioner = createProvisioner(depsWith({ onStep }));
    await expect(provisioner.provision(r.id, h.logger)).rejects.toThrow(`crash after ${at}`);
    expect(await provisioner.provision(r.id, h.logger)).toBe(at === 'activated' || at === 'scheduled' ? 'already active' : 'active');
    const active = await h.requests.require(r.id);
    expect(active.state).toBe('active');
    // create, approve, claim, resources, activate: nothing written twice.
    expect(active.version).toBe(5);
    expect((await h.platformUsers()).filter((u) => u.endsWith(r.id.toLowerCase().slice(-5)))).toEqual([active.resources.dbUser]);
    expect(await h.queues.revoke.getJob(ACCESS_JOB_IDS.revoke(r.id))).toBeDefined();
    expect(await h.kinds(r.id)).toEqual(PROVISIONED);
    expect(await h.audit.verifyChain(r.id)).toMatchObject({ ok: true, count: PROVISIONED.length });
    // The password the requester holds is the one that works (the secret was reused, not regenerated).
    const creds = await credentialsOf(r.id);
    expect(await h.loginAndQuery(creds.user, creds.password, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('reports each boundary in order, once, with the request id', async () => {
    const r = await h.approved();
    const seen: string[] = [];
    await createProvisioner(depsWith({ onStep: (s, id) => void seen.push(`${s}:${id}`) })).provision(r.id, h.logger);
    expect(seen).toEqual(PROVISION_STEPS.map((s) => `${s}:${r.id}`));
  });
});

describe('a scheduled start', () => {
  it('is not claimed before its start (more than 50 ms early), and is at 50 ms or less', async () => {
    const start = Date.now() + 60_000;
    const r = await h.approved({ startAt: new Date(start).toISOString() });
    const time = testClock(start - 51);
    const early: AccessRequest[] = [];
    const provisioner = createProvisioner(depsWith({ clock: time.clock }));
    expect(await provisioner.provision(r.id, h.logger, async (x) => void early.push(x))).toBe(`scheduled: starts at ${r.startAt}`);
    expect(early.map((x) => x.id)).toEqual([r.id]);
    expect(await provisioner.provision(r.id, h.logger)).toBe(`scheduled: starts at ${r.startAt}`);
    expect((await h.requests.require(r.id)).state).toBe('approved');
    time.set(start - 50);
    expect(await provisioner.provision(r.id, h.logger)).toBe('active');
  });

  it('a job fired early moves itself to the start (delayed, same id)', async () => {
    const start = Date.now() + 60_000;
    const r = await h.approved({ startAt: new Date(start).toISOString() });
    // On its last attempt: a job that waits for its start is not a failure to compensate.
    await h.queues.provision.add('provision', { requestId: r.id }, { jobId: ACCESS_JOB_IDS.provision(r.id), attempts: 1 });
    const worker = new Worker(h.queues.provision.name, null, { connection: h.redis, prefix: h.prefix });
    try {
      const token = uniqueName('tok');
      const job = (await worker.getNextJob(token))!;
      expect(job.id).toBe(ACCESS_JOB_IDS.provision(r.id));
      const err = await createProvisioner(depsWith()).processor({ requestId: r.id }, { job, logger: h.logger, token }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DelayedError);
      const moved = (await h.queues.provision.getJob(ACCESS_JOB_IDS.provision(r.id)))!;
      expect(await moved.getState()).toBe('delayed');
      // BullMQ keeps a delayed job in a sorted set scored by its due time (ms × 4096 + a counter).
      const score = Number(await h.redis.zscore(`${h.prefix}:${h.queues.provision.name}:delayed`, moved.id!));
      expect(Math.floor(score / 4096)).toBe(start);
      expect((await h.requests.require(r.id)).state).toBe('approved');
      expect(h.logText()).toContain('scheduled start not reached; provisioning moved to it');
    } finally {
      await worker.close();
    }
  });

  it('without a lock token the early job just reports the start', async () => {
    const start = Date.now() + 60_000;
    const r = await h.approved({ startAt: new Date(start).toISOString() });
    const ctx = await h.jobContext(h.queues.provision, { requestId: r.id });
    expect(await createProvisioner(depsWith()).processor({ requestId: r.id }, ctx)).toBe(`scheduled: starts at ${r.startAt}`);
  });
});

describe('the provision job processor', () => {
  it('rethrows a failure while attempts remain, leaving the request provisioning', async () => {
    const r = await h.approved();
    const ctx = await h.jobContext(h.queues.provision, { requestId: r.id }, { attempts: 3 });
    const onStep = (s: AccessStep) => {
      if (s === 'resources') throw new Error('the database is restarting');
    };
    await expect(createProvisioner(depsWith({ onStep })).processor({ requestId: r.id }, ctx)).rejects.toThrow(/^the database is restarting$/);
    expect((await h.requests.require(r.id)).state).toBe('provisioning');
  });

  it('on the last attempt compensates: nothing left, failed with the reason, the requester told', async () => {
    const r = await h.approved();
    const ctx = await h.jobContext(h.queues.provision, { requestId: r.id }, { attempts: 1 });
    const onStep = (s: AccessStep) => {
      if (s === 'user') throw new Error('the database is restarting');
    };
    const err = await createProvisioner(depsWith({ onStep })).processor({ requestId: r.id }, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toBe('provisioning failed and was compensated: the database is restarting');
    const failed = await h.requests.require(r.id);
    expect(failed).toMatchObject({ state: 'failed', failureReason: 'the database is restarting' });
    expect((await h.platformUsers()).filter((u) => u === failed.resources.dbUser)).toEqual([]);
    expect(await h.secrets.get(`dbre/access/${r.id}`)).toBeUndefined();
    expect((await h.bastion.record(`fwd-${r.id}`))?.state).toBe('closed');
    expect((await h.kinds(r.id)).slice(-2)).toEqual(['compensated', 'failed']);
    expect((await h.outbox.get(`failed-${r.id}`))?.text).toContain('could not be provisioned: the database is restarting.');
  });

  it('an unrecoverable failure compensates on the first of many attempts', async () => {
    h.clusters.set('brief2', localCluster('brief2'));
    const r = await h.approved({ clusterId: 'brief2' });
    h.clusters.delete('brief2');
    const ctx = await h.jobContext(h.queues.provision, { requestId: r.id }, { attempts: 8 });
    const err = await createProvisioner(depsWith()).processor({ requestId: r.id }, ctx).catch((e: unknown) => e);
    expect((err as Error).message).toBe('provisioning failed and was compensated: cluster brief2 is no longer in the inventory');
    expect(await h.requests.require(r.id)).toMatchObject({ state: 'failed', failureReason: 'cluster brief2 is no longer in the inventory' });
  });

  it('a job without attempts configured is on its last attempt', async () => {
    const r = await h.approved();
    const ctx = await h.jobContext(h.queues.provision, { requestId: r.id });
    delete ctx.job.opts.attempts;
    const onStep = (s: AccessStep) => {
      if (s === 'claimed') throw new Error('boom');
    };
    await expect(createProvisioner(depsWith({ onStep })).processor({ requestId: r.id }, ctx)).rejects.toThrow('provisioning failed and was compensated: boom');
    expect((await h.requests.require(r.id)).state).toBe('failed');
  });

  it('a non-Error thrown on the last attempt is compensated with its text', async () => {
    const r = await h.approved();
    const ctx = await h.jobContext(h.queues.provision, { requestId: r.id }, { attempts: 1 });
    const onStep = (s: AccessStep) => {
      if (s === 'claimed') throw 'plain text failure';
    };
    await expect(createProvisioner(depsWith({ onStep })).processor({ requestId: r.id }, ctx)).rejects.toThrow('provisioning failed and was compensated: plain text failure');
  });

  it('a failsafe that cannot be scheduled is logged and the grant still activates', async () => {
    const r = await h.approved();
    const admin = { ...h.admin, scheduleFailsafe: async () => Promise.reject(new Error('no EVENT privilege')) };
    expect(await createProvisioner(depsWith({ admin })).provision(r.id, h.logger)).toBe('active');
    expect((await h.audit.list(r.id)).at(-1)?.data).toMatchObject({ failsafeEvent: false });
    expect(h.logLines().some((l) => l['msg'] === 'could not schedule the failsafe drop event' && l['requestId'] === r.id && (l['err'] as { message: string }).message === 'no EVENT privilege')).toBe(true);
  });

  it('asks for the failsafe one policy minute after the end and records what the server answered', async () => {
    const time = testClock();
    const r = await h.approved();
    const asked: Array<[string, string]> = [];
    const admin = { ...h.admin, scheduleFailsafe: async (_c: unknown, user: string, at: Date) => (asked.push([user, at.toISOString()]), true) };
    await createProvisioner(depsWith({ admin, clock: time.clock })).provision(r.id, h.logger);
    const active = await h.requests.require(r.id);
    expect(asked).toEqual([[active.resources.dbUser!, new Date(time.now() + 3000 + 1000).toISOString()]]);
    expect((await h.audit.list(r.id)).at(-1)?.data).toEqual({ endsAt: active.endsAt, failsafeEvent: true });
  });
});
