import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DRIVER_REQUIRED, driversEnv, type DriverPart } from '@dbre/drivers';
import { find, nested, type Body } from '../src/terraform';
import { infra, REPO } from './helpers';

const APPS = ['approval-api', 'doc-crawler', 'ops-dashboard', 'provisioner', 'reaper', 'request-api', 'schema-review'];

/** Variable names an env local yields: literal maps, or `merge(local.x_env, ...)` / `cond ? {} : {...}` expressions. */
function envKeys(root: Body, value: unknown): Set<string> {
  if (value && typeof value === 'object') return new Set(Object.keys(value));
  const text = String(value ?? '');
  const keys = new Set([...text.matchAll(/([A-Z][A-Z0-9_]+)\s*=/g)].map((m) => m[1]!));
  for (const [, ref] of text.matchAll(/local\.([a-z_]+_env)\b/g)) for (const k of envKeys(root, root[ref!])) keys.add(k);
  return keys;
}

/** Every variable Terraform sets for an app. */
function appEnvKeys(root: Body, app: string): Set<string> {
  return new Set([...envKeys(root, root.common_env), ...envKeys(root, (root.app_env as Body)[app]), 'PORT']);
}

describe('infra/: one Fargate service per app', () => {
  it('parses every Terraform file', async () => {
    const tf = await infra();
    expect(tf.files.length).toBeGreaterThanOrEqual(15);
    expect(tf.files).toEqual(expect.arrayContaining(['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf', 'modules/dynamodb/tables.tf.json']));
  });

  it('lists exactly the apps in apps/', async () => {
    const tf = await infra();
    const onDisk = readdirSync(join(REPO, 'apps'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    expect(onDisk).toEqual(APPS);
    const root = tf.locals['.']!;
    for (const key of ['app_defaults', 'app_env', 'app_secret_keys']) {
      expect([key, Object.keys(root[key] as Body).sort()]).toEqual([key, APPS]);
    }
    expect(Object.keys(tf.locals['modules/iam']!.task_policies as Body).sort()).toEqual(APPS);
  });

  it('gives every app a task definition, a service and a log group, through the service module', async () => {
    const tf = await infra();
    const [service] = find(tf.modules, '.', 'module', 'service');
    expect(service?.body).toMatchObject({ source: './modules/service', for_each: '${local.apps}' });
    const [ecr] = find(tf.modules, '.', 'module', 'ecr');
    expect(ecr?.body.apps).toBe('${keys(local.apps)}');

    const taskDef = find(tf.resources, 'modules/service', 'aws_ecs_task_definition');
    const svc = find(tf.resources, 'modules/service', 'aws_ecs_service');
    const logs = find(tf.resources, 'modules/service', 'aws_cloudwatch_log_group');
    expect([taskDef.length, svc.length, logs.length]).toEqual([1, 1, 1]);
    expect(taskDef[0]!.body).toMatchObject({ requires_compatibilities: ['FARGATE'], network_mode: 'awsvpc', task_role_arn: '${var.task_role_arn}' });
    const containers = String(taskDef[0]!.body.container_definitions);
    for (const part of ['awslogs-group', 'aws_cloudwatch_log_group.this.name', 'healthCheck', '/healthz', 'secrets', 'environment']) {
      expect([part, containers.includes(part)]).toEqual([part, true]);
    }
    expect(svc[0]!.body).toMatchObject({ launch_type: 'FARGATE', task_definition: '${aws_ecs_task_definition.this.arn}' });
    expect(nested(svc[0]!.body, 'deployment_circuit_breaker')).toEqual({ enable: true, rollback: true });
    expect(nested(svc[0]!.body, 'network_configuration')).toMatchObject({ assign_public_ip: false });
    expect(logs[0]!.body).toMatchObject({ retention_in_days: '${var.log_retention_days}' });
  });

  it('configures every service for DRIVERS=aws with variables the drivers really read', async () => {
    const root = (await infra()).locals['.']!;
    const common = root.common_env as Record<string, string>;
    expect(common).toMatchObject({ DRIVERS: 'aws', HOST: '0.0.0.0', PLATFORM_TAG: '${var.platform_tag}' });
    const appEnv = root.app_env as Record<string, Record<string, string>>;
    const bastionEnv = root.bastion_env as Record<string, string>;
    const driverKeys = APPS.flatMap((app) => [...appEnvKeys(root, app)]).filter((k) => /^(DRIVER|BASTION_|RDS_|DOCS_BUCKET|DOCS_PREFIX|SECRETS_|PLATFORM_TAG)/.test(k));
    expect(driverKeys.length).toBeGreaterThan(10);
    for (const key of new Set(driverKeys)) expect([key, key in driversEnv]).toEqual([key, true]);
    expect(appEnv.provisioner).toBe('${merge(local.bastion_env, local.bastion_network_env, local.kms_env, local.slack_env, local.dashboard_env, local.deployment_env, local.evidence_env)}');
    expect(appEnv.reaper).toBe('${merge(local.bastion_env, local.bastion_network_env, local.kms_env, local.slack_env, local.dashboard_env, local.deployment_env, local.evidence_env)}');
    // With DRIVERS=aws both refuse to start without EVIDENCE_BUCKET (they seal evidence).
    for (const app of ['provisioner', 'reaper']) expect([...appEnvKeys(root, app)]).toEqual(expect.arrayContaining(['BASTION_SUBNET_IDS', 'SECRETS_KMS_KEY_ID', 'DRIVERS', 'DEPLOYMENT_ID', 'EVIDENCE_BUCKET', 'EVIDENCE_RETENTION_DAYS']));
    expect(Object.keys(bastionEnv).sort()).toEqual(['BASTION_DATABASE_CIDRS', 'BASTION_INSTANCE_PROFILE', 'BASTION_INSTANCE_TYPE', 'BASTION_POOL', 'BASTION_POOL_SIZE', 'BASTION_SECURITY_GROUP_ID', 'BASTION_SESSION_DOCUMENT', 'BASTION_SUBNET_IDS', 'BASTION_VPC_ID']);
    expect(root.docs_env).toMatchObject({ DOCS_BUCKET: '${module.docs_bucket.name}' });
    // Services that never log in to a database list the fleet without reading its secrets;
    // request-api logs in (it checks that a requested database exists).
    expect(String(appEnv['approval-api'])).toMatch(/^\$\{merge\(\{\s*RDS_INVENTORY_CREDENTIALS = "omit"/);
    expect(String(appEnv['request-api'])).not.toContain('RDS_INVENTORY_CREDENTIALS');
    for (const app of ['request-api', 'approval-api']) expect(String(appEnv[app])).toContain('local.slack_env');
    expect(String(appEnv['ops-dashboard'])).toMatch(/^\$\{merge\(local\.docs_env, /);
    for (const part of ['RDS_INVENTORY_CREDENTIALS = "omit"', 'DASHBOARD_AUTH            = "alb-oidc"', 'ALB_ARN                   = module.alb.arn']) {
      expect(String(appEnv['ops-dashboard'])).toContain(part);
    }
  });

  it('sets every variable an AWS part needs, for the parts each main.ts selects', async () => {
    const root = (await infra()).locals['.']!;
    const selecting: string[] = [];
    for (const app of APPS) {
      const main = readFileSync(join(REPO, 'apps', app, 'src', 'main.ts'), 'utf8');
      const call = /selectDrivers\(\s*config\s*,\s*\[([^\]]*)\]/.exec(main);
      if (!call) continue;
      selecting.push(app);
      const parts = [...call[1]!.matchAll(/'([a-z]+)'/g)].map((m) => m[1] as DriverPart);
      const keys = appEnvKeys(root, app);
      for (const part of parts) for (const variable of DRIVER_REQUIRED[part]) expect([app, part, variable, keys.has(variable)]).toEqual([app, part, variable, true]);
    }
    expect(selecting).toEqual(expect.arrayContaining(['doc-crawler', 'ops-dashboard']));
  });

  it('injects only secrets that exist, from Secrets Manager', async () => {
    const tf = await infra();
    const keys = tf.locals['.']!.app_secret_keys as Record<string, string | string[]>;
    const secrets = tf.locals['modules/app-secrets']!;
    const known = [...(secrets.generated_keys as string[]), ...(secrets.operator_keys as string[])];
    const slack = tf.locals['.']!.slack_keys as string;
    expect(slack).toBe('${var.enable_slack ? ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"] : []}');
    for (const [app, list] of Object.entries(keys)) {
      const literal = Array.isArray(list) ? list : (/\[([^\]]*)\]/.exec(list)?.[1] ?? '').split(',').map((s) => s.trim().replace(/"/g, '')).filter(Boolean);
      expect([app, literal.includes('REDIS_URL')]).toEqual([app, true]);
      for (const key of literal) expect([app, key, known.includes(key)]).toEqual([app, key, true]);
    }
  });
});

describe('infra/: environment names match the services\' config schemas', () => {
  it('sets and injects only variables some schema of that app reads', async () => {
    const { redisEnv, dynamoEnv, platformFileEnv } = await import('@dbre/config');
    const { serviceEnv } = await import('@dbre/service-kit');
    const { slackEnv } = await import('@dbre/slack');
    const shared = new Set([...Object.keys(redisEnv), ...Object.keys(dynamoEnv), ...Object.keys(platformFileEnv), ...Object.keys(serviceEnv), ...Object.keys(slackEnv), ...Object.keys(driversEnv), 'PORT', 'NODE_ENV']);
    const root = (await infra()).locals['.']!;
    const secretKeys = root.app_secret_keys as Record<string, string[] | string>;
    for (const app of APPS) {
      const schemaKeys = new Set(Object.keys((await configSchemaOf(app)).shape));
      const keys = [...appEnvKeys(root, app), ...(Array.isArray(secretKeys[app]) ? (secretKeys[app] as string[]) : [])];
      for (const key of keys) expect([app, key, shared.has(key) || schemaKeys.has(key)]).toEqual([app, key, true]);
    }
  });
});

/** The api_clients default of infra/variables.tf: service => tool => { scopes, act_for }. */
async function apiClientsDefault(): Promise<Record<string, Record<string, { scopes: string[]; act_for?: string[] }>>> {
  const [variable] = (await infra()).variables.filter((v) => v.module === '.' && v.name === 'api_clients');
  return variable!.body.default as Record<string, Record<string, { scopes: string[]; act_for?: string[] }>>;
}

/** Every variable an app's ECS task gets: environment and secrets (ECS valueFrom). */
async function taskKeys(app: string): Promise<Set<string>> {
  const root = (await infra()).locals['.']!;
  const keys = appEnvKeys(root, app);
  const secretKeys = (root.app_secret_keys as Record<string, string[] | string>)[app];
  const literal = Array.isArray(secretKeys) ? secretKeys : [...String(secretKeys).matchAll(/"([A-Z][A-Z0-9_]+)"/g)].map((m) => m[1]!);
  for (const key of literal) keys.add(key);
  if (String(root.slack_keys).includes('SLACK_BOT_TOKEN') && String(secretKeys).includes('local.slack_keys')) for (const k of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']) keys.add(k);
  if (app in (await apiClientsDefault())) keys.add('API_TOKENS');
  for (const k of envKeys(root, (root.caller_token_env as Body)[app])) keys.add(k);
  return keys;
}

/** The zod schema an app's config.ts exports (the one object schema in the module), as compose-check reads it. */
async function configSchemaOf(app: string): Promise<import('zod').ZodObject> {
  const { z } = await import('zod');
  const mod = (await import(join(REPO, 'apps', app, 'src/config'))) as Record<string, unknown>;
  const schemas = Object.values(mod).filter((v): v is import('zod').ZodObject => v instanceof z.ZodObject);
  expect([app, schemas.length]).toEqual([app, 1]);
  return schemas[0]!;
}

describe('infra/: every ECS task gets what its config schema requires (or the service refuses to start)', () => {
  it.each(APPS)('%s: every required variable of its zod schema is set or injected', async (app) => {
    const shape = (await configSchemaOf(app)).shape as Record<string, import('zod').ZodType>;
    // Required: a variable whose absence the schema refuses (no default, not optional).
    const required = Object.keys(shape).filter((key) => !shape[key]!.safeParse(undefined).success);
    const keys = await taskKeys(app);
    expect([app, required.filter((key) => !keys.has(key))]).toEqual([app, []]);
  });

  it('reads as required what the services really refuse to start without', async () => {
    const requiredOf = async (app: string) => {
      const shape = (await configSchemaOf(app)).shape as Record<string, import('zod').ZodType>;
      return Object.keys(shape).filter((key) => !shape[key]!.safeParse(undefined).success).sort();
    };
    // Written by hand from the schemas: the REST services need their token list, the access services the store key.
    expect(await requiredOf('schema-review')).toEqual(['API_TOKENS']);
    expect(await requiredOf('doc-crawler')).toEqual(['API_TOKENS']);
    expect(await requiredOf('request-api')).toEqual(['API_TOKENS', 'SECRET_STORE_KEY']);
    expect(await requiredOf('provisioner')).toEqual(['SECRET_STORE_KEY']);
  });

  it('opens /metrics and /docs inside the VPC only: public to the tasks, answered 404 by the ALB', async () => {
    const tf = await infra();
    const common = tf.locals['.']!.common_env as Record<string, string>;
    // Without these, provisioner, reaper and ops-dashboard (no API_TOKENS) refuse to start off loopback.
    expect(common).toMatchObject({ HOST: '0.0.0.0', METRICS_ACCESS: 'public', API_DOCS_ACCESS: 'public' });
    const [rule] = find(tf.resources, 'modules/alb', 'aws_lb_listener_rule', 'internal_paths');
    expect(rule?.body.priority).toBe(1);
    expect(nested(nested(rule!.body, 'condition'), 'path_pattern')).toEqual({ values: ['/metrics', '/docs', '/docs/*', '/openapi.json'] });
    expect(nested(rule!.body, 'action')).toMatchObject({ type: 'fixed-response' });
    const priorities = (tf.locals['.']!.routes as Array<{ priority: number }>).map((r) => r.priority);
    expect(Math.min(...priorities)).toBeGreaterThan(1);
  });

  it('gives each tool that has a token its scopes, only known ones, and the ones its calls need', async () => {
    const { API_SCOPES } = await import('@dbre/service-kit');
    const clients = await apiClientsDefault();
    for (const [service, tools] of Object.entries(clients)) {
      for (const [tool, c] of Object.entries(tools)) {
        expect([service, tool, c.scopes.length > 0]).toEqual([service, tool, true]);
        for (const scope of c.scopes) expect([service, tool, scope, Object.hasOwn(API_SCOPES, scope)]).toEqual([service, tool, scope, true]);
      }
      expect([service, [...(await taskKeys(service))].filter((k) => k.startsWith('API_'))]).toEqual([service, expect.arrayContaining(['API_TOKENS', 'API_SCOPES'])]);
    }
    // Written by hand from the callers: the Slack bridge (libs/slack kit.ts), the dashboard's End now
    // and Approve / Deny, CI's reviews, crawl callers.
    expect(clients['request-api']?.['slack']?.scopes.sort()).toEqual(['grants:end', 'requests:create', 'requests:read']);
    expect(clients['request-api']?.['ops-dashboard']).toEqual({ scopes: ['grants:end'], act_for: ['group:dbre'] });
    expect(clients['approval-api']?.['slack']).toEqual({ scopes: ['approve'], act_for: ['*'] });
    expect(clients['approval-api']?.['ops-dashboard']).toEqual({ scopes: ['approve'], act_for: ['group:dbre'] });
    expect(clients['schema-review']).toEqual({ ci: { scopes: ['reviews'] } });
    expect(clients['doc-crawler']).toEqual({ ci: { scopes: ['docs:crawl', 'docs:read'] } });
    expect([...(await taskKeys('ops-dashboard'))]).toEqual(expect.arrayContaining(['REQUEST_API_URL', 'REQUEST_API_TOKEN', 'APPROVAL_API_URL', 'APPROVAL_API_TOKEN', 'TRUSTED_PROXIES']));
  });
});
