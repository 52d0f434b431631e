import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { captureLogger, startTestDynamo } from '@dbre/testing';
import { BASTION_DEFAULTS, Ec2SsmBastion } from '../../src/aws';
import { createForwarderBastion, createForwarderHost } from '../../src/local/forwarder-bastion';
import { installEc2SsmFake } from './aws-fakes';
import { describeBastionContract } from './contracts';

describeBastionContract('Ec2SsmBastion over stateful EC2/SSM fakes', async () => {
  const fake = installEc2SsmFake();
  const bastion = new Ec2SsmBastion(new EC2Client({ region: 'eu-west-1' }), new SSMClient({ region: 'eu-west-1' }), {
    region: 'eu-west-1',
    subnetIds: ['subnet-0aaaaaaaaaaaaaaaa'],
    securityGroupId: 'sg-0123456789abcdef0',
    vpcId: 'vpc-0123456789abcdef0',
    databaseCidrs: ['10.20.0.0/16'],
    sessionDocument: BASTION_DEFAULTS.sessionDocument,
    instanceProfile: 'dbre-bastion',
    instanceType: BASTION_DEFAULTS.instanceType,
    amiParameter: BASTION_DEFAULTS.amiParameter,
    managedBy: BASTION_DEFAULTS.managedBy,
    graceMinutes: 15,
    localPort: BASTION_DEFAULTS.localPort,
    online: { initialDelayMs: 10, maxDelayMs: 10, timeoutMs: 1_000 },
  });
  return { bastion, target: { host: 'contract.cluster-abc.eu-west-1.rds.amazonaws.com', port: 3306 }, unknownId: 'i-0fffffffffffffff0', dispose: async () => fake.restore() };
});

describeBastionContract('local forwarder bastion', async () => {
  const env = await startTestDynamo();
  const host = await createForwarderHost({ dynamo: env.dynamo, logger: captureLogger().logger, reconcileMs: 60_000 });
  const bastion = await createForwarderBastion({ dynamo: env.dynamo, host });
  return {
    bastion,
    target: { host: '127.0.0.1', port: 9 },
    unknownId: 'fwd-unknown',
    dispose: async () => {
      await host.close();
      await env.close();
    },
  };
});
