import { waitFor } from '@dbre/testing';
import { ALICE, BOB, startAccessStack, type AccessStack } from './access-stack';
import { runService, type Child } from './child-process';

// A worker process killed at each boundary between two stored steps must, once another process
// takes the job over, reach the same end state with a complete chain (no step twice, none missing).

const PROVISIONED = ['requested', 'approved', 'provisioning_started', 'bastion_created', 'secret_stored', 'user_created', 'credentials_delivered', 'activated'];
const REVOKED = ['revoke_started', 'sessions_killed', 'user_dropped', 'bastion_removed', 'secret_deleted', 'revoked'];

async function killedThenResumed(stack: AccessStack, service: 'provisioner' | 'reaper', step: string, children: Child[]): Promise<Child> {
  const first = runService(service, stack.childEnv({ FAULT_EXIT_AFTER_STEP: step, WORKER_LOCK_MS: '1000' }));
  children.push(first);
  expect(await first.exited).toBe(86);
  expect(first.output()).toContain(`"step":"${step}"`);
  const second = runService(service, stack.childEnv({ WORKER_LOCK_MS: '1000' }));
  children.push(second);
  return second;
}

describe('a provisioner killed between two steps', () => {
  let stack: AccessStack;
  const children: Child[] = [];
  beforeAll(async () => {
    stack = await startAccessStack({ minuteMs: 2000, provisioner: false, reaper: false });
  });
  afterAll(async () => {
    for (const c of children) await c.stop();
    await stack.close();
  });

  it.each(['claimed', 'resources', 'user', 'deliver', 'activated'])('after "%s": a new process finishes with one DB user, the jobs scheduled and every event once', async (step) => {
    const r = await stack.ask(ALICE, { durationMinutes: 10 });
    expect((await stack.approve(r.id, BOB)).status).toBe(200);
    const second = await killedThenResumed(stack, 'provisioner', step, children);
    const active = await stack.waitState(r.id, 'active', 60_000);
    expect(await stack.platformUsers()).toEqual([active.resources.dbUser]);
    // Scheduling is part of the end state: the revoke job is waiting for the end.
    await waitFor(async () => (await (await stack.queues.revoke.getJob(`revoke-${r.id}`))?.isDelayed()) === true, { timeoutMs: 30_000, what: 'the delayed revoke job' });
    expect((await stack.audit.list(r.id)).map((e) => e.kind)).toEqual(PROVISIONED);
    expect(await stack.audit.verifyChain(r.id)).toMatchObject({ ok: true, count: PROVISIONED.length });
    // The forwarder opened by the dead process is served by the new one, on the recorded port.
    await waitFor(() => second.output().includes(`"bastionId":"fwd-${r.id}"`), { timeoutMs: 30_000, what: 'the new provisioner to listen for the bastion' });
    expect(await second.stop()).toBe(0);
    for (const u of await stack.platformUsers()) await stack.root.query('DROP USER IF EXISTS ?@?', [u, '%']);
  }, 150_000);
});

describe('a reaper killed between two revoke steps', () => {
  let stack: AccessStack;
  const children: Child[] = [];
  beforeAll(async () => {
    stack = await startAccessStack({ minuteMs: 2000, reaper: false });
  });
  afterAll(async () => {
    for (const c of children) await c.stop();
    await stack.close();
  });

  it.each(['revoke_started', 'user_revoked', 'resources_removed'])('after "%s": a new process finishes the revoke: user, forwarder and secret gone, every event once', async (step) => {
    const r = await stack.ask(ALICE, { durationMinutes: 1 });
    await stack.approve(r.id, BOB);
    const active = await stack.waitState(r.id, 'active');
    const second = await killedThenResumed(stack, 'reaper', step, children);
    const revoked = await stack.waitState(r.id, 'revoked', 60_000);
    expect(['expired', 'sweep']).toContain(revoked.revokeReason); // the job, or the sweep of the new process if it ran first
    expect(await stack.platformUsers()).toEqual([]);
    expect(await stack.secrets.get(active.resources.secretId!)).toBeUndefined();
    await waitFor(() => !stack.host!.listening().includes(active.resources.bastionId!), { what: 'the forwarder to be closed' });
    expect((await stack.audit.list(r.id)).map((e) => e.kind)).toEqual([...PROVISIONED, ...REVOKED]);
    expect(await stack.audit.verifyChain(r.id)).toMatchObject({ ok: true, count: PROVISIONED.length + REVOKED.length });
    expect(await second.stop()).toBe(0);
  }, 150_000);
});
