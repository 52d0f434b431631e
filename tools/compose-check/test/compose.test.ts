import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
// eslint-disable-next-line @nx/enforce-module-boundaries -- one list of the apps, shared with the local stack's script
import { APPS } from '../../local-stack/apps';

// There is no Docker engine here: these checks are what keeps docker-compose.yml and the
// Dockerfile true to the code.
const root = path.resolve(__dirname, '../../..');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  volumes?: string[];
}

const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };

/** The zod schema an app's config.ts exports (the one object schema in the module). */
async function configSchemaOf(app: string): Promise<z.ZodObject> {
  const mod = (await import(path.join(root, 'apps', app, 'src/config'))) as Record<string, unknown>;
  const schemas = Object.values(mod).filter((v): v is z.ZodObject => v instanceof z.ZodObject);
  if (schemas.length !== 1) throw new Error(`apps/${app}/src/config.ts should export exactly one zod object schema, found ${schemas.length}`);
  return schemas[0] as z.ZodObject;
}

function hostPort(mapping: string): string {
  const parts = mapping.split(':');
  return parts.length === 3 ? `${parts[0]}:${parts[1]}` : `0.0.0.0:${parts[0]}`;
}

describe('docker-compose.yml', () => {
  it('has Redis (noeviction), MySQL 8.0 and a DynamoDB endpoint', () => {
    expect(compose.services['redis']?.image).toMatch(/^redis:/);
    expect(JSON.stringify(compose.services['redis'])).toContain('noeviction');
    expect(compose.services['mysql']?.image).toBe('mysql:8.0');
    expect(compose.services['dynamodb']?.image).toMatch(/dynamodb-local/);
  });

  it.each(APPS.map((a) => [a.name, a] as const))('runs %s from the shared Dockerfile with every variable its config requires', async (name, app) => {
    const service = compose.services[name];
    expect(service).toBeDefined();
    expect(service?.build).toMatchObject({ dockerfile: 'tools/docker/Dockerfile', args: { APP: name } });
    const env = Object.fromEntries(Object.entries(service?.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]));
    const parsed = (await configSchemaOf(name)).safeParse(env);
    expect(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([]);
    expect(env['PORT']).toBe(String(app.port));
    expect(service?.ports).toEqual([`${app.port}:${app.port}`]);
    expect(env['REDIS_URL']).toBe('redis://redis:6379');
    expect(env['DYNAMO_ENDPOINT']).toBe('http://dynamodb:8000');
  });

  it("gives ops-dashboard working tokens for request-api's End now and approval-api's Approve / Deny", async () => {
    const dashboard = compose.services['ops-dashboard']?.environment ?? {};
    const targets = [
      ['request-api', 'REQUEST_API_URL', 'REQUEST_API_TOKEN', 'grants:end', 'http://request-api:3001'],
      ['approval-api', 'APPROVAL_API_URL', 'APPROVAL_API_TOKEN', 'approve', 'http://approval-api:3002'],
    ] as const;
    for (const [target, urlKey, tokenKey, scope, url] of targets) {
      expect(dashboard[urlKey]).toBe(url);
      const env = Object.fromEntries(Object.entries(compose.services[target]?.environment ?? {}).map(([k, v]) => [k, String(v)]));
      const parsed = (await configSchemaOf(target)).parse(env) as { API_TOKENS: Map<string, string>; API_SCOPES?: Map<string, string[]>; API_ACT_FOR?: Map<string, string[]> };
      expect([target, parsed.API_TOKENS.get('ops-dashboard')]).toEqual([target, dashboard[tokenKey]]);
      expect([target, parsed.API_SCOPES?.get('ops-dashboard')]).toEqual([target, expect.arrayContaining([scope])]);
      // The dashboard acts for the approvers' group of the platform file it shares.
      expect([target, parsed.API_ACT_FOR?.get('ops-dashboard')]).toEqual([target, ['group:dbre']]);
    }
  });

  it('publishes no host port twice', () => {
    const published = Object.entries(compose.services).flatMap(([name, s]) => (s.ports ?? []).map((p) => [hostPort(p), name] as const));
    const seen = new Map<string, string>();
    const clashes = published.filter(([port, name]) => {
      const other = seen.get(port);
      seen.set(port, name);
      return other !== undefined;
    });
    expect(clashes).toEqual([]);
  });

  it('mounts only files that exist in the repository', () => {
    const sources = Object.values(compose.services).flatMap((s) => (s.volumes ?? []).map((v) => v.split(':')[0] ?? '')).filter((v) => v.startsWith('./'));
    for (const source of sources) expect(() => readFileSync(path.join(root, source))).not.toThrow();
  });
});

describe('tools/docker/Dockerfile', () => {
  const dockerfile = readFileSync(path.join(root, 'tools/docker/Dockerfile'), 'utf8');

  it('is multi-stage, builds the app named by APP and runs it as a non-root user', () => {
    const stages = dockerfile.match(/^FROM /gm) ?? [];
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/nx build "\$APP"/);
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(finalStage).toMatch(/^USER node$/m);
    expect(finalStage).toMatch(/--omit=dev|COPY --from=deps/);
    expect(dockerfile).toMatch(/node:2[2-9]|node:\d{2,}-/);
  });
});
