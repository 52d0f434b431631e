import { waitFor } from '@dbre/testing';
import { ALICE, BOB, startAccessStack, type AccessStack } from './access-stack';
import { runService, type Child } from './child-process';

describe('a provisioner that dies between two steps', () => {
  let stack: AccessStack;
  const children: Child[] = [];
  beforeAll(async () => {
    stack = await startAccessStack({ minuteMs: 2000, provisioner: false, reaper: false });
  });
  afterAll(async () => {
    for (const c of children) await c.stop();
    await stack.close();
  });

  it('really exits after creating the user; once restarted the grant becomes active with exactly one DB user', async () => {
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
    const active = await stack.waitState(r.id, 'active', 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${second.output().slice(-3000)}`);
    });
    expect(await stack.platformUsers()).toEqual([active.resources.dbUser]);
    const kinds = (await stack.audit.list(r.id)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'user_created')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'bastion_created')).toHaveLength(1);
    expect(await stack.audit.verifyChain(r.id)).toMatchObject({ ok: true });
    // The forwarder opened by the dead process was reopened by the new one, on the recorded port.
    await waitFor(() => second.output().includes(`"bastionId":"fwd-${r.id}"`), { what: 'the new provisioner to listen for the bastion' });
    expect(await second.stop()).toBe(0);
  }, 60_000);
});
