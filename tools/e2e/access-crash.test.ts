import { createAccessWorkers, type AccessStep, type AccessWorkers, type WorkerRole } from '@dbre/access';
import { waitFor } from '@dbre/testing';
import { ALICE, BOB, startAccessStack, type AccessStack } from './access-stack';
import { runService, type Child } from './child-process';

// A worker that dies at any boundary between two stored steps must, once another worker takes the
// job over, reach the same end state with a complete chain (no step twice, none missing).

const PROVISIONED = ['requested', 'approved', 'provisioning_started', 'bastion_created', 'secret_stored', 'user_created', 'credentials_delivered', 'activated'];
const REVOKED = ['revoke_started', 'sessions_killed', 'user_dropped', 'bastion_removed', 'secret_deleted', 'revoked'];

describe('a provisioner process that really exits between two steps', () => {
  let stack: AccessStack;
  const children: Child[] = [];
  beforeAll(async () => {
    stack = await startAccessStack({ minuteMs: 2000, provisioner: false, reaper: false });
  });
  afterAll(async () => {
    for (const c of children) await c.stop();
    await stack.close();
  });

  it('exits after creating the user; once restarted the grant becomes active with exactly one DB user', async () => {
    const r = await stack.ask(ALICE, { durationMinutes: 10 });
    expect((await stack.approve(r.id, BOB)).status).toBe(200);
    const first = runService('provisioner', stack.childEnv({ FAULT_EXIT_AFTER_STEP: 'user', WORKER_LOCK_MS: '1000' }));
    children.push(first);
    expect(await first.exited).toBe(86);
    expect(first.output()).toContain('FAULT_EXIT_AFTER_STEP');
    const halfway = await stack.requests.get(r.id);
    expect(halfway?.state).toBe('provisioning');
    expect(await stack.platformUsers()).toEqual([halfway?.resources.dbUser]);

    const second = runService('provisioner', stack.childEnv({ WORKER_LOCK_MS: '1000' }));
    children.push(second);
    const active = await stack.waitState(r.id, 'active', 120_000);
    expect(await stack.platformUsers()).toEqual([active.resources.dbUser]);
    expect((await stack.audit.list(r.id)).map((e) => e.kind)).toEqual(PROVISIONED);
    expect(await stack.audit.verifyChain(r.id)).toMatchObject({ ok: true });
    // The forwarder opened by the dead process was reopened by the new one, on the recorded port.
    await waitFor(() => second.output().includes(`"bastionId":"fwd-${r.id}"`), { timeoutMs: 60_000, what: 'the new provisioner to listen for the bastion' });
    expect(await second.stop()).toBe(0);
  }, 240_000);
});

/**
 * A worker "dies" at `step`: its job hangs there for good (nothing after the boundary runs) and the
 * worker is force-closed, so the job's lock lapses; a fresh worker takes the stalled job over.
 */
async function dieAt(stack: AccessStack, role: WorkerRole, step: AccessStep, requestId: string): Promise<AccessWorkers> {
  let reached!: () => void;
  const hit = new Promise<void>((resolve) => (reached = resolve));
  const start = async (onStep?: (s: AccessStep, id: string) => void | Promise<void>) =>
    createAccessWorkers({
      role,
      connection: stack.redis,
      prefix: stack.prefix,
      logger: stack.logger,
      concurrency: 4,
      lockMs: 2000,
      ...(role === 'reaper' ? { sweep: { queue: stack.queues.sweep, everyMs: 60_000, stuckAfterMs: 60_000 } } : {}),
      deps: { ...(await stack.workerDeps()), ...(onStep ? { onStep } : {}) },
    });
  const dying = await start((s, id) => {
    if (s !== step || id !== requestId) return;
    reached();
    return new Promise<void>(() => undefined);
  });
  await hit;
  dying.stop();
  await Promise.all(dying.workers.map((w) => w.close(true)));
  return start();
}

/** Workers a test started; closed after each test so the next one's dying worker is the only one. */
function workersOfTest() {
  const running: AccessWorkers[] = [];
  afterEach(async () => {
    for (const w of running.splice(0)) {
      w.stop();
      await Promise.all(w.workers.map((x) => x.close()));
    }
  });
  return running;
}

describe('a provisioner that dies at every boundary', () => {
  let stack: AccessStack;
  const running = workersOfTest();
  beforeAll(async () => {
    stack = await startAccessStack({ minuteMs: 2000, provisioner: false, reaper: false, forwarderHost: true });
  });
  afterAll(() => stack.close());

  it.each(['claimed', 'resources', 'user', 'deliver', 'activated'] as const)('after "%s": one DB user, the revoke scheduled, every event once', async (step) => {
    const r = await stack.ask(ALICE, { durationMinutes: 1 });
    expect((await stack.approve(r.id, BOB)).status).toBe(200);
    running.push(await dieAt(stack, 'provisioner', step, r.id));
    const active = await stack.waitState(r.id, 'active', 60_000);
    expect(await stack.platformUsers()).toContain(active.resources.dbUser);
    // Scheduling is part of the end state: the revoke job exists (delayed, or already due).
    await waitFor(async () => (await stack.queues.revoke.getJob(`revoke-${r.id}`)) !== undefined, { timeoutMs: 30_000, what: 'the revoke job' });
    expect((await stack.audit.list(r.id)).map((e) => e.kind)).toEqual(PROVISIONED);
    expect(await stack.audit.verifyChain(r.id)).toMatchObject({ ok: true, count: PROVISIONED.length });
  }, 120_000);
});

describe('a reaper that dies at every boundary', () => {
  let stack: AccessStack;
  const running = workersOfTest();
  beforeAll(async () => {
    stack = await startAccessStack({ minuteMs: 2000, reaper: false });
  });
  afterAll(() => stack.close());

  it.each(['revoke_started', 'user_revoked', 'resources_removed'] as const)('after "%s": user, forwarder and secret gone, every event once', async (step) => {
    const r = await stack.ask(ALICE, { durationMinutes: 1 });
    await stack.approve(r.id, BOB);
    const active = await stack.waitState(r.id, 'active', 60_000);
    running.push(await dieAt(stack, 'reaper', step, r.id));
    const revoked = await stack.waitState(r.id, 'revoked', 60_000);
    expect(['expired', 'sweep']).toContain(revoked.revokeReason);
    expect(await stack.platformUsers()).not.toContain(active.resources.dbUser);
    expect(await stack.secrets.get(active.resources.secretId!)).toBeUndefined();
    await waitFor(() => !stack.host!.listening().includes(active.resources.bastionId!), { what: 'the forwarder to be closed' });
    expect((await stack.audit.list(r.id)).map((e) => e.kind)).toEqual([...PROVISIONED, ...REVOKED]);
    expect(await stack.audit.verifyChain(r.id)).toMatchObject({ ok: true, count: PROVISIONED.length + REVOKED.length });
  }, 120_000);
});
