import { isDomainError, type AccessRequest } from '@dbre/domain';
import { createRequestRepository, type Dynamo, type RequestRepository } from '../src';
import { newRequest, startDynamo } from './helpers';

// A resource id is recorded once: overwriting it would leave the first bastion, secret or database user
// to nobody (the sweep cleans what a request records), so a second record of another id is refused.

const alice = { email: 'alice@example.com' };
const T0 = new Date('2026-11-25T10:00:00.000Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);

let env: { dynamo: Dynamo; close: () => Promise<void> };
let repo: RequestRepository;
beforeAll(async () => {
  env = await startDynamo();
  repo = createRequestRepository({ dynamo: env.dynamo });
});
afterAll(() => env.close());

async function provisioning(): Promise<AccessRequest> {
  const r = await repo.create(newRequest(T0));
  const approved = await repo.applyTransitionOrThrow(r, { type: 'approve', by: alice }, at(1));
  return repo.applyTransitionOrThrow(approved, { type: 'start_provisioning' }, at(2));
}

const recorded = (dbUser: string) => [{ key: 'bastion_created', kind: 'bastion_created' as const, actor: 'provisioner', data: { dbUser } }];

describe('record_resources through the store', () => {
  it('refuses a second record of another database user and leaves the stored request and chain as they were', async () => {
    const r = await provisioning();
    const first = await repo.applyTransitionOrThrow(r, { type: 'record_resources', resources: { dbUser: 'jit_dave_a', bastionId: 'fwd-1' } }, at(3), recorded('jit_dave_a'));
    const before = await repo.require(r.id);

    await expect(repo.applyTransitionOrThrow(first, { type: 'record_resources', resources: { dbUser: 'jit_dave_b' } }, at(4), recorded('jit_dave_b'))).rejects.toMatchObject({
      code: 'RESOURCE_ALREADY_RECORDED',
      kind: 'conflict',
      message: `Request ${r.id} already has dbUser jit_dave_a; it cannot be replaced by jit_dave_b.`,
    });
    expect(await repo.require(r.id)).toEqual(before);
    expect(before.resources).toEqual({ dbUser: 'jit_dave_a', bastionId: 'fwd-1' });
    const { events } = await repo.auditEvents(r.id);
    expect(events.map((e) => [e.kind, e.data?.['dbUser']])).toEqual([['bastion_created', 'jit_dave_a']]);
  });

  it('accepts the same ids again (a retried step); the way in may move to another port', async () => {
    const r = await provisioning();
    const resources = { dbUser: 'jit_dave_a', bastionId: 'fwd-1', secretId: 'dbre/access/x', dbHost: '%' };
    const first = await repo.applyTransitionOrThrow(r, { type: 'record_resources', resources }, at(3));
    const again = await repo.applyTransitionOrThrow(first, { type: 'record_resources', resources: { ...resources, connect: { host: '127.0.0.1', port: 4100 } } }, at(4));
    expect(again.resources).toEqual({ ...resources, connect: { host: '127.0.0.1', port: 4100 } });
    expect(await repo.require(r.id)).toMatchObject({ resources: again.resources, version: first.version + 1 });
  });

  it('of two provisioners racing to record different users from the same copy, the first is kept and the second refused', async () => {
    for (let round = 0; round < 3; round++) {
      const r = await provisioning();
      const outcomes = await Promise.allSettled(
        ['jit_dave_a', 'jit_dave_b'].map((dbUser) =>
          repo.update(r, () => ({ event: { type: 'record_resources', resources: { dbUser } }, audit: recorded(dbUser) }), () => at(3)),
        ),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(isDomainError(refused[0]!.reason, 'RESOURCE_ALREADY_RECORDED')).toBe(true);
      const stored = await repo.require(r.id);
      const winner = (won[0] as PromiseFulfilledResult<{ request: AccessRequest }>).value.request.resources.dbUser;
      expect(stored.resources.dbUser).toBe(winner);
      const { events } = await repo.auditEvents(r.id);
      expect(events.filter((e) => e.kind === 'bastion_created').map((e) => e.data?.['dbUser'])).toEqual([winner]);
    }
  });
});
