import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TABLES } from '@dbre/store';
import { DYNAMODB_TF_JSON, dynamodbTerraformText } from '../src/dynamodb-tf';
import { find, nested, nestedAll, type Body } from '../src/terraform';
import { infra, REPO } from './helpers';

describe('infra/: DynamoDB tables equal the code\'s TABLES', () => {
  it('the generated tables.tf.json is up to date (npm run infra:tables)', () => {
    expect(readFileSync(join(REPO, DYNAMODB_TF_JSON), 'utf8')).toBe(dynamodbTerraformText());
  });

  it('declares exactly the tables, keys, attributes and GSIs of libs/store/src/tables.ts', async () => {
    const tf = await infra();
    const tables = tf.resources.filter((r) => r.type === 'aws_dynamodb_table');
    expect(tables.every((t) => t.module === 'modules/dynamodb')).toBe(true);
    expect(tables.map((t) => t.name).sort()).toEqual(Object.keys(TABLES).sort());
    for (const [key, def] of Object.entries(TABLES)) {
      const body = tables.find((t) => t.name === key)!.body;
      const indexes = 'indexes' in def ? def.indexes : [];
      expect({
        key,
        name: body.name,
        hash: body.hash_key,
        range: body.range_key,
        attributes: Object.fromEntries(nestedAll(body, 'attribute').map((a) => [a.name, a.type])),
        gsis: nestedAll(body, 'global_secondary_index').map((g) => ({ name: g.name, hashKey: g.hash_key, rangeKey: g.range_key, projection: g.projection_type })),
      }).toEqual({
        key,
        name: `\${var.table_prefix}${def.name}`,
        hash: def.hashKey,
        range: 'rangeKey' in def ? def.rangeKey : undefined,
        attributes: def.attributes,
        gsis: indexes.map((ix) => ({ name: ix.name, hashKey: ix.hashKey, rangeKey: 'rangeKey' in ix ? ix.rangeKey : undefined, projection: 'ALL' })),
      });
      expect(body).toMatchObject({ billing_mode: 'PAY_PER_REQUEST', point_in_time_recovery: { enabled: true }, server_side_encryption: { enabled: true } });
    }
  });
});

describe('infra/: Redis for BullMQ', () => {
  it('runs with noeviction, TLS, AUTH and encryption at rest, reachable only from the tasks', async () => {
    const tf = await infra();
    const [params] = find(tf.resources, 'modules/redis', 'aws_elasticache_parameter_group');
    expect(nestedAll(params!.body, 'parameter')).toContainEqual({ name: 'maxmemory-policy', value: 'noeviction' });
    const [group] = find(tf.resources, 'modules/redis', 'aws_elasticache_replication_group');
    expect(group!.body).toMatchObject({
      transit_encryption_enabled: true,
      at_rest_encryption_enabled: true,
      auth_token: '${data.aws_secretsmanager_random_password.auth.random_password}',
      parameter_group_name: '${aws_elasticache_parameter_group.bullmq.name}',
      automatic_failover_enabled: true,
    });
    const [url] = find(tf.outputs, 'modules/redis', 'output', 'url');
    expect(url!.body).toMatchObject({ sensitive: true });
    expect(String(url!.body.value)).toMatch(/^rediss:\/\/:\$\{aws_elasticache_replication_group\.this\.auth_token\}@/);
    const ingress = find(tf.resources, 'modules/redis', 'aws_vpc_security_group_ingress_rule');
    expect(ingress.map((r) => r.body.referenced_security_group_id)).toEqual(['${each.value}']);
    expect(ingress.some((r) => 'cidr_ipv4' in r.body)).toBe(false);
  });
});

describe('infra/: the docs bucket', () => {
  it('blocks public access, keeps versions, encrypts, enforces TLS', async () => {
    const tf = await infra();
    const m = 'modules/docs-bucket';
    expect(find(tf.resources, m, 'aws_s3_bucket_public_access_block')[0]!.body).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(nested(find(tf.resources, m, 'aws_s3_bucket_versioning')[0]!.body, 'versioning_configuration')).toEqual({ status: 'Enabled' });
    const sse = nested(nested(find(tf.resources, m, 'aws_s3_bucket_server_side_encryption_configuration')[0]!.body, 'rule'), 'apply_server_side_encryption_by_default');
    expect(sse?.sse_algorithm).toBe('${var.kms_key_arn == null ? "AES256" : "aws:kms"}');
    expect(nested(find(tf.resources, m, 'aws_s3_bucket_ownership_controls')[0]!.body, 'rule')).toEqual({ object_ownership: 'BucketOwnerEnforced' });
    const [tls] = nestedAll(find(tf.data, m, 'aws_iam_policy_document', 'tls_only')[0]!.body, 'statement');
    expect(tls).toMatchObject({ effect: 'Deny', condition: [{ variable: 'aws:SecureTransport', values: ['false'] }] });
    // Nothing anywhere grants public reads: no bucket ACL resource, no website.
    expect(tf.resources.filter((r) => r.type === 'aws_s3_bucket_acl' || r.type === 'aws_s3_bucket_website_configuration')).toEqual([]);
  });
});

describe('infra/: the bastion', () => {
  it('has an instance profile with only the SSM core policy and a security group with no inbound rule', async () => {
    const tf = await infra();
    const m = 'modules/bastion';
    const attachments = find(tf.resources, m, 'aws_iam_role_policy_attachment');
    expect(attachments.map((a) => a.body.policy_arn)).toEqual(['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore']);
    expect(tf.resources.filter((r) => r.module === m && /aws_iam_(role_)?policy$/.test(r.type))).toEqual([]);
    expect(find(tf.resources, m, 'aws_iam_instance_profile')[0]!.body.role).toBe('${aws_iam_role.bastion.name}');
    const [sg] = find(tf.resources, m, 'aws_security_group', 'bastion');
    expect(sg!.body).not.toHaveProperty('ingress');
    const ingressAnywhere = tf.resources.filter(
      (r) =>
        (r.type === 'aws_vpc_security_group_ingress_rule' || (r.type === 'aws_security_group_rule' && r.body.type === 'ingress')) &&
        JSON.stringify(r.body).includes('aws_security_group.bastion'),
    );
    expect(ingressAnywhere).toEqual([]);
    // Egress: HTTPS to the SSM endpoints' group (or, without endpoints, the given CIDRs); the
    // way to a database is a per-bastion group the driver creates, never a rule here.
    const egress = find(tf.resources, m, 'aws_vpc_security_group_egress_rule');
    expect(egress.map((e) => [e.name, e.body.from_port, e.body.to_port])).toEqual([
      ['ssm_endpoints', 443, 443],
      ['ssm_via_nat', 443, 443],
    ]);
    expect(egress[0]!.body.referenced_security_group_id).toBe('${var.endpoint_security_group_id}');
  });
});

describe('infra/: the ALB', () => {
  const route = (b: Body) => b as { app: string; priority: number; paths: string[]; oidc: boolean };

  it('routes /slack/* and /v1/* to the APIs and puts only the dashboard behind OIDC', async () => {
    const tf = await infra();
    const routes = (tf.locals['.']!.routes as Body[]).map(route);
    const apps = tf.locals['.']!.app_defaults as Record<string, { routed: boolean }>;
    const target = (path: string) => routes.filter((r) => r.paths.includes(path)).map((r) => r.app);
    expect(target('/slack/*')).toEqual(['request-api']);
    // /schema-review's command goes straight to schema-review: its rule is evaluated before /slack/*.
    expect(target('/slack/reviews/*')).toEqual(['schema-review']);
    const priority = (path: string) => routes.find((r) => r.paths.includes(path))!.priority;
    expect(priority('/slack/reviews/*')).toBeLessThan(priority('/slack/*'));
    expect(target('/v1/access-requests/*/approve')).toEqual(['approval-api']);
    expect(target('/v1/access-requests/*')).toEqual(['request-api']);
    expect(target('/v1/reviews/*')).toEqual(['schema-review']);
    expect(target('/v1/docs/*')).toEqual(['doc-crawler']);
    expect(routes.filter((r) => r.oidc)).toEqual([expect.objectContaining({ app: 'ops-dashboard', paths: ['/*'] })]);
    for (const r of routes) {
      expect([r.app, apps[r.app]?.routed]).toEqual([r.app, true]);
      expect(r.paths.length).toBeLessThanOrEqual(5);
      if (r.paths.some((p) => p.startsWith('/slack/') || p.startsWith('/v1/'))) expect(r.oidc).toBe(false);
    }
    expect(new Set(routes.map((r) => r.priority)).size).toBe(routes.length);
    // The catch-all dashboard rule must be evaluated last.
    expect(Math.max(...routes.map((r) => r.priority))).toBe(routes.find((r) => r.app === 'ops-dashboard')!.priority);

    const [rule] = find(tf.resources, 'modules/alb', 'aws_lb_listener_rule', 'route');
    const oidc = nestedAll(rule!.body, 'action').find((a) => a.type === 'authenticate-oidc');
    expect(nested(oidc, 'authenticate_oidc')).toMatchObject({ on_unauthenticated_request: 'authenticate', client_secret: '${var.oidc_client_secret}' });
    expect(nestedAll(rule!.body, 'action').find((a) => a.type === 'forward')).toMatchObject({ order: 2 });
    const [https] = find(tf.resources, 'modules/alb', 'aws_lb_listener', 'https');
    expect(https!.body).toMatchObject({ port: 443, protocol: 'HTTPS', certificate_arn: '${var.certificate_arn}' });
    expect(find(tf.resources, 'modules/alb', 'aws_lb')[0]!.body).toMatchObject({ drop_invalid_header_fields: true });
  });
});
