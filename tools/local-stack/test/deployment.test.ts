import { forDeployment, accessPolicySchema } from '@dbre/domain';
import { localDeployment } from '../deployment';

describe('local stacks on one machine (finding 4)', () => {
  it('derive distinct deployment ids and queue prefixes from DBRE_PORT_OFFSET', () => {
    expect(localDeployment({})).toEqual({ DEPLOYMENT_ID: 'l0', QUEUE_PREFIX: 'dbre-l0' });
    expect(localDeployment({ DBRE_PORT_OFFSET: '20010' })).toEqual({ DEPLOYMENT_ID: 'l20010', QUEUE_PREFIX: 'dbre-l20010' });
    expect(localDeployment({ DBRE_PORT_OFFSET: '5', DEPLOYMENT_ID: 'alice', QUEUE_PREFIX: 'mine' })).toEqual({ DEPLOYMENT_ID: 'alice', QUEUE_PREFIX: 'mine' });
    expect(() => localDeployment({ DBRE_PORT_OFFSET: '-1' })).toThrow('DBRE_PORT_OFFSET must be a whole number');
  });

  it('whose ids are valid deployment ids for the local policy prefix', () => {
    const policy = accessPolicySchema.parse({
      profiles: { read: { privileges: ['SELECT'] } },
      environments: {
        dev: { defaultMinutes: 60, maxMinutes: 480, approvers: ['a@example.com'] },
        stg: { defaultMinutes: 60, maxMinutes: 480, approvers: ['a@example.com'] },
        prod: { defaultMinutes: 60, maxMinutes: 480, approvers: ['a@example.com'] },
      },
    });
    expect(forDeployment(policy, localDeployment({ DBRE_PORT_OFFSET: '999999' }).DEPLOYMENT_ID).dbUser.prefix).toBe('jit_l999999_');
  });
});
