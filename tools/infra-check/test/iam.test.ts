import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allStatements, conditionOn, effectiveStatements, wildcardProblems, type Statement } from '../src/policies';
import { loadTerraform } from '../src/terraform';
import { find } from '../src/terraform';
import { infra } from './helpers';

const APPS = ['request-api', 'approval-api', 'schema-review', 'ops-dashboard', 'doc-crawler', 'provisioner', 'reaper'] as const;
const docName = (app: string) => app.replace(/-/g, '_');

async function perApp(): Promise<Record<string, Statement[]>> {
  const tf = await infra();
  return Object.fromEntries(APPS.map((app) => [app, effectiveStatements(tf, 'modules/iam', docName(app))]));
}

const allows = (statements: Statement[], action: string) => statements.filter((s) => s.effect === 'Allow' && s.actions.includes(action));
const appsAllowing = (byApp: Record<string, Statement[]>, action: string) => APPS.filter((app) => allows(byApp[app]!, action).length > 0);

describe('infra/: IAM', () => {
  it('never grants * actions on * resources, nor any service-wide wildcard action', async () => {
    const statements = allStatements(await infra());
    expect(statements.length).toBeGreaterThan(20);
    expect(wildcardProblems(statements)).toEqual([]);
  });

  it('the wildcard check catches what it must (on a planted policy)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infra-check-'));
    try {
      await writeFile(
        join(dir, 'bad.tf'),
        `data "aws_iam_policy_document" "bad" {
  statement {
    actions   = ["*"]
    resources = ["*"]
  }
  dynamic "statement" {
    for_each = [1]
    content {
      sid       = "Hidden"
      actions   = ["s3:PutObject"]
      resources = ["*"]
    }
  }
  statement {
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = ["*"]
  }
}
`,
      );
      expect(wildcardProblems(allStatements(await loadTerraform(dir)))).toEqual([
        './bad: wildcard actions *',
        './bad: * on Resource "*"',
        './bad#Hidden: s3:PutObject on Resource "*"',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes every IAM and bucket policy as an aws_iam_policy_document, never inline JSON', async () => {
    const tf = await infra();
    const policies = tf.resources.filter((r) => ['aws_iam_role_policy', 'aws_iam_policy', 'aws_s3_bucket_policy'].includes(r.type));
    expect(policies.length).toBeGreaterThanOrEqual(3);
    for (const p of policies) expect([p.type, p.name, String(p.body.policy)]).toEqual([p.type, p.name, expect.stringMatching(/^\$\{(data\.aws_iam_policy_document\.[a-z_]+\.json|each\.value)\}$/)]);
    for (const r of tf.resources.filter((x) => x.type === 'aws_iam_role')) {
      expect(String(r.body.assume_role_policy)).toMatch(/^\$\{data\.aws_iam_policy_document\.assume_[a-z0-9_]+\.json\}$/);
    }
    // Statement ids stay unique inside each merged document (AWS rejects duplicates).
    const byApp = await perApp();
    for (const app of APPS) {
      const sids = byApp[app]!.map((s) => s.sid).filter(Boolean);
      expect([app, sids.length]).toEqual([app, new Set(sids).size]);
    }
  });

  it('lets only the provisioner launch bastions: tagged, in the bastion network, from Amazon images, passing only the bastion role', async () => {
    const byApp = await perApp();
    expect(appsAllowing(byApp, 'ec2:RunInstances')).toEqual(['provisioner']);
    expect(appsAllowing(byApp, 'iam:PassRole')).toEqual(['provisioner']);
    // CreateTags: at launch (provisioner), and the deadline tag on an extension (both workers).
    expect(appsAllowing(byApp, 'ec2:CreateTags')).toEqual(['provisioner', 'reaper']);
    const run = allows(byApp.provisioner!, 'ec2:RunInstances');
    // Instances in every bastion region (the platform's and those of var.bastion_networks).
    const created = run.find((s) => s.resources.some((r) => r.includes(':instance/*')));
    expect(created?.resources).toEqual(['${[for a in local.arn_ec2s : "${a}:instance/*"]}']);
    expect(conditionOn(created!, 'aws:RequestTag/managed-by')).toMatchObject({ test: 'StringEquals', values: ['${var.platform_tag}'] });
    expect(conditionOn(created!, 'ec2:MetadataHttpTokens')).toMatchObject({ test: 'StringEquals', values: ['required'] });
    expect(conditionOn(created!, 'ec2:InstanceType')).toMatchObject({ values: ['${var.bastion_instance_type}'] });
    expect(conditionOn(created!, 'ec2:InstanceProfile')).toMatchObject({ test: 'ArnEquals', values: ['${var.bastion_instance_profile_arn}'] });
    expect(conditionOn(run.find((s) => s.resources.some((r) => r.includes('::image/')))!, 'ec2:Owner')).toMatchObject({ values: ['amazon'] });
    for (const s of run) expect(s.resources.some((r) => r === '*')).toBe(false);
    const [pass] = allows(byApp.provisioner!, 'iam:PassRole');
    expect(pass!.resources).toEqual(['${var.bastion_role_arn}']);
    expect(conditionOn(pass!, 'iam:PassedToService')).toMatchObject({ values: ['ec2.amazonaws.com'] });
    const tags = allows(byApp.provisioner!, 'ec2:CreateTags');
    expect(conditionOn(tags.find((t) => t.sid === 'TagAtLaunch')!, 'ec2:CreateAction')).toMatchObject({ values: ['RunInstances', 'CreateSecurityGroup'] });
    expect(conditionOn(tags.find((t) => t.sid === 'MoveBastionDeadline')!, 'aws:TagKeys')).toMatchObject({ test: 'ForAllValues:StringEquals', values: ['dbre:ends-at'] });
  });

  it('lets only platform-tagged instances be terminated, by the reaper (and the provisioner\'s compensation)', async () => {
    const byApp = await perApp();
    expect(appsAllowing(byApp, 'ec2:TerminateInstances')).toEqual(['provisioner', 'reaper']);
    for (const app of ['provisioner', 'reaper']) {
      for (const s of allows(byApp[app]!, 'ec2:TerminateInstances')) {
        expect(s.resources).toEqual(['${[for a in local.arn_ec2s : "${a}:instance/*"]}']);
        expect(conditionOn(s, 'ec2:ResourceTag/managed-by')).toMatchObject({ test: 'StringEquals', values: ['${var.platform_tag}'] });
      }
    }
  });

  it('scopes secrets: grant secrets created tagged by the provisioner; cluster logins only where a service logs in', async () => {
    const byApp = await perApp();
    expect(appsAllowing(byApp, 'secretsmanager:CreateSecret')).toEqual(['provisioner']);
    const [create] = allows(byApp.provisioner!, 'secretsmanager:CreateSecret');
    expect(create!.resources).toEqual(['${local.grant_secrets}']);
    expect(conditionOn(create!, 'aws:RequestTag/managed-by')).toBeDefined();
    expect(appsAllowing(byApp, 'secretsmanager:DeleteSecret')).toEqual(['provisioner', 'reaper']);
    // approval-api and ops-dashboard list clusters with RDS_INVENTORY_CREDENTIALS=omit; request-api
    // logs in to check that a requested database exists, and shows a grant's credentials in Slack.
    expect(appsAllowing(byApp, 'secretsmanager:GetSecretValue')).toEqual(['request-api', 'doc-crawler', 'provisioner', 'reaper']);
    for (const app of APPS) {
      for (const s of allows(byApp[app]!, 'secretsmanager:GetSecretValue')) {
        expect(s.resources.every((r) => ['${local.master_secrets}', '${statement.value}', '${local.grant_secrets}'].includes(r))).toBe(true);
        if (s.resources[0] === '${local.master_secrets}') {
          expect(conditionOn(s, 'secretsmanager:ResourceTag/aws:rds:primaryDBClusterArn')).toMatchObject({ values: '${local.fleet_cluster_arns}' });
        }
      }
    }
  });

  it('gives S3, Bedrock and each table only to the apps that use them', async () => {
    const byApp = await perApp();
    // Evidence: sealed by the collectors (reaper; the provisioner for a grant that failed after its user was created).
    expect(appsAllowing(byApp, 's3:PutObject')).toEqual(['doc-crawler', 'provisioner', 'reaper']);
    expect(appsAllowing(byApp, 's3:GetObject')).toEqual(['request-api', 'schema-review', 'ops-dashboard', 'doc-crawler', 'provisioner', 'reaper']);
    for (const app of ['provisioner', 'reaper']) expect(allows(byApp[app]!, 's3:PutObject').flatMap((s) => s.resources)).toEqual(['${local.evidence_objects}']);
    expect(appsAllowing(byApp, 'logs:FilterLogEvents')).toEqual(['provisioner', 'reaper']);
    expect(allows(byApp.reaper!, 'logs:FilterLogEvents').flatMap((s) => s.resources)).toEqual(['${local.audit_log_groups}']);
    expect(appsAllowing(byApp, 's3:DeleteObjectVersion')).toEqual([]);
    expect(appsAllowing(byApp, 's3:BypassGovernanceRetention')).toEqual([]);
    expect(appsAllowing(byApp, 'bedrock:InvokeModel')).toEqual(['schema-review']);
    expect(appsAllowing(byApp, 'dynamodb:PutItem')).toEqual(['request-api', 'approval-api', 'schema-review', 'ops-dashboard', 'doc-crawler', 'provisioner', 'reaper']);
    expect(appsAllowing(byApp, 'dynamodb:DeleteTable')).toEqual([]);
    expect(appsAllowing(byApp, 'dynamodb:CreateTable')).toEqual([]);
    const ddb = (app: string) => allows(byApp[app]!, 'dynamodb:PutItem').flatMap((s) => s.resources);
    expect(ddb('schema-review')).toEqual(['${local.table_and_indexes["reviews"]}']);
    expect(ddb('ops-dashboard')).toEqual(['${local.tables["audit"]}']);
    expect(ddb('doc-crawler')).toEqual(['${local.table_and_indexes["crawls"]}', '${local.table_and_indexes["outbox"]}']);
    const tf = await infra();
    expect(find(tf.resources, 'modules/iam', 'aws_iam_role', 'task')[0]!.body.for_each).toBe('${local.task_policies}');
  });
});
