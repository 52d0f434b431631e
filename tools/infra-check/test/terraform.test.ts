import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './helpers';

/**
 * Runs tools/infra-check/terraform.sh: `terraform init -backend=false`, `validate`, `fmt -check`
 * and `terraform test` (infra/tests/*.tftest.hcl: mocked plans, IAM per service, security
 * groups, the bastion's pinned egress). Where Terraform or the provider mirror is absent the
 * script prints one SKIP line, which this test repeats.
 */
describe('infra/: Terraform itself', () => {
  it('initialises offline, validates, is formatted, and passes terraform test', () => {
    const run = spawnSync('bash', [join(REPO, 'tools/infra-check/terraform.sh')], { encoding: 'utf8', timeout: 540_000 });
    const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
    const skipped = output.split('\n').find((line) => line.startsWith('SKIP terraform checks'));
    if (skipped) {
      process.stdout.write(`${skipped}\n`);
      return;
    }
    expect([run.status, output]).toEqual([0, expect.stringContaining('terraform checks passed')]);
    expect(output).not.toMatch(/\b[1-9]\d* failed\b/);
  }, 600_000);
});
