import { DescribeImagesCommand, DescribeInstancesCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { Redis } from 'ioredis';
import { accessPolicySchema } from '@dbre/domain';
import { BASTION_DEFAULTS, createStaticInventory, type Bastion, type BastionAmiAge } from '@dbre/drivers';
import { Ec2SsmBastion } from '@dbre/drivers/aws';
import { createGrantAdmin } from '@dbre/mysql';
import { createQueue } from '@dbre/queue';
import { createLifecycle } from '@dbre/service-kit';
import { createAuditLog, createRequestRepository } from '@dbre/store';
import { captureLogger, startTestDynamo, testServices, uniqueName } from '@dbre/testing';
import { buildWorkerApp, createRevoker, createSweep, isStale, refreshAmiAges, type WorkerDeps } from '../src';

// The reaper's AMI-age gauges: refreshed by the sweep from the live bastions, served on /metrics.

const NOW = Date.parse('2026-12-01T12:00:00Z');
const clock = { now: () => NOW, sleep: async () => undefined };

function metricLines(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).sort();
}

describe('bastion AMI ages on /metrics', () => {
  let store: Awaited<ReturnType<typeof startTestDynamo>>;
  let redis: Redis;
  const ec2 = mockClient(EC2Client);
  const ssm = mockClient(SSMClient);
  beforeAll(async () => {
    store = await startTestDynamo();
    redis = new Redis(testServices.redisUrl, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    redis.disconnect();
    await store.close();
    ec2.restore();
    ssm.restore();
  });

  it('flags a bastion not on the newest image or older than the threshold', () => {
    const age = (a: Partial<BastionAmiAge>): BastionAmiAge => ({ bastionId: 'i-1', requestId: 'R', region: 'eu-west-1', imageId: 'ami-1', newest: true, ageDays: 3, ...a });
    expect(isStale(age({}), 30)).toBe(false);
    expect(isStale(age({ ageDays: 30 }), 30)).toBe(false);
    expect(isStale(age({ ageDays: 31 }), 30)).toBe(true);
    expect(isStale(age({ newest: false }), 30)).toBe(true);
    expect(isStale(age({ ageDays: undefined }), 30)).toBe(true); // image deregistered: unknown age
  });

  it('the sweep sets dbre_bastion_ami_age_days and _stale per instance and region from EC2, and drops series of bastions that are gone', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'ami-0aaa0000000000001' } });
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            { InstanceId: 'i-0aaaaaaaaaaaaaaa1', ImageId: 'ami-0aaa0000000000001', State: { Name: 'running' }, Tags: [{ Key: 'dbre:request-id', Value: 'R1' }] },
            { InstanceId: 'i-0aaaaaaaaaaaaaaa2', ImageId: 'ami-0bbb0000000000002', State: { Name: 'running' }, Tags: [{ Key: 'dbre:request-id', Value: 'R2' }] },
          ],
        },
      ],
    });
    ec2.on(DescribeImagesCommand).resolves({
      Images: [
        { ImageId: 'ami-0aaa0000000000001', CreationDate: '2026-11-28T12:00:00.000Z' },
        { ImageId: 'ami-0bbb0000000000002', CreationDate: '2026-10-01T12:00:00.000Z' },
      ],
    });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    const ec2Bastion = new Ec2SsmBastion(
      new EC2Client({ region: 'eu-west-1' }),
      new SSMClient({ region: 'eu-west-1' }),
      {
        region: 'eu-west-1',
        subnetIds: ['subnet-0aaaaaaaaaaaaaaa1'],
        securityGroupId: 'sg-0aaaaaaaaaaaaaaa1',
        vpcId: 'vpc-0aaaaaaaaaaaaaaa1',
        sessionDocument: BASTION_DEFAULTS.sessionDocument,
        instanceProfile: 'dbre-bastion',
        instanceType: 't3.micro',
        amiParameter: BASTION_DEFAULTS.amiParameter,
        managedBy: 'dbre-platform',
        graceMinutes: 15,
        localPort: 13306,
        online: BASTION_DEFAULTS.online,
      },
      clock,
    );
    // Both instances belong to live grants in the real reaper; here the orphan search sees no instance.
    const bastion: Bastion = { open: ec2Bastion.open.bind(ec2Bastion), close: ec2Bastion.close.bind(ec2Bastion), list: async () => [], amiAges: () => ec2Bastion.amiAges(), deleteOrphanGroups: () => ec2Bastion.deleteOrphanGroups() };
    const { logger, text: logText } = captureLogger('reaper', 'info');
    const prefix = uniqueName('ami');
    const queues = { provision: createQueue('provision', redis, { prefix }), warn: createQueue('warn', redis, { prefix }), revoke: createQueue('revoke', redis, { prefix }) };
    const admin = createGrantAdmin({ userPrefix: 'jit_ami_', logger });
    const deps: WorkerDeps = {
      requests: createRequestRepository({ dynamo: store.dynamo, logger }),
      audit: createAuditLog({ dynamo: store.dynamo }),
      policy: accessPolicySchema.parse({ profiles: { read: { privileges: ['SELECT'] } }, environments: Object.fromEntries(['dev', 'stg', 'prod'].map((e) => [e, { defaultMinutes: 5, maxMinutes: 60, approvers: ['x@example.com'] }])) }),
      inventory: createStaticInventory([]),
      admin,
      bastion,
      secrets: { put: async () => undefined, get: async () => undefined, delete: async () => undefined },
      notifier: { send: async () => undefined },
      queues,
    };
    const app = await buildWorkerApp({ name: 'reaper', logger, lifecycle: createLifecycle(), redis, dynamo: store.dynamo });
    try {
      const sweep = createSweep(deps, createRevoker(deps), { stuckAfterMs: 60_000, amiAlertDays: 30 });
      const report = await sweep(logger);
      expect({ errors: report.errors, log: report.errors ? logText() : '' }).toEqual({ errors: 0, log: '' });
      const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metricLines(body, 'dbre_bastion_ami_age_days')).toEqual([
        'dbre_bastion_ami_age_days{instance_id="i-0aaaaaaaaaaaaaaa1",region="eu-west-1"} 3',
        'dbre_bastion_ami_age_days{instance_id="i-0aaaaaaaaaaaaaaa2",region="eu-west-1"} 61',
      ]);
      expect(metricLines(body, 'dbre_bastion_ami_stale')).toEqual([
        'dbre_bastion_ami_stale{instance_id="i-0aaaaaaaaaaaaaaa1",region="eu-west-1"} 0',
        'dbre_bastion_ami_stale{instance_id="i-0aaaaaaaaaaaaaaa2",region="eu-west-1"} 1',
      ]);
      expect(metricLines(body, 'dbre_bastion_ami_alert_days')).toEqual(['dbre_bastion_ami_alert_days 30']);
      expect(logText()).toContain('bastions on an old or superseded image');
      expect(ec2.commandCalls(DescribeSecurityGroupsCommand)).toHaveLength(1); // the orphan groups were looked for

      // The old bastion is gone: its series goes with it.
      ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0aaaaaaaaaaaaaaa1', ImageId: 'ami-0aaa0000000000001', State: { Name: 'running' }, Tags: [] }] }] });
      await refreshAmiAges(bastion, 30, logger);
      const after = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metricLines(after, 'dbre_bastion_ami_stale')).toEqual(['dbre_bastion_ami_stale{instance_id="i-0aaaaaaaaaaaaaaa1",region="eu-west-1"} 0']);
    } finally {
      await app.close();
      await admin.close();
      for (const q of Object.values(queues)) {
        await q.obliterate({ force: true }).catch(() => undefined);
        await q.close();
      }
    }
  });

  it('a bastion driver without images (local) sets nothing', async () => {
    const { logger } = captureLogger('reaper', 'info');
    await expect(refreshAmiAges({ open: async () => ({ bastionId: 'x', connect: { host: '127.0.0.1', port: 1 }, connectCommand: '' }), close: async () => undefined, list: async () => [] }, 30, logger)).resolves.toBeUndefined();
  });
});
