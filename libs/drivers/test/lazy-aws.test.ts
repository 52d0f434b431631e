import { execFileSync } from 'node:child_process';
import path from 'node:path';

// Every service, CLI and test on the local drivers used to load six AWS SDK clients (~1.7 s of CPU each).
describe('the AWS SDK is loaded only for parts that run on AWS', () => {
  it('loads no SDK client for the index or a local selection, and the clients once a part is aws', () => {
    const root = path.resolve(__dirname, '../../..');
    const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures/lazy-aws-probe.ts')], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    expect(JSON.parse(out)).toEqual({
      afterImport: [],
      afterLocal: [],
      afterAws: ['client-cloudwatch-logs', 'client-ec2', 'client-rds', 'client-s3', 'client-secrets-manager', 'client-ssm'],
      awsSecrets: 'SecretsManagerStore',
    });
  });
});
