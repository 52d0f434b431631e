import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** Cluster ids are used in file paths, job ids and DB names: keep them plain. */
export const clusterId = z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'lower-case letters, digits and dashes, 2-63 chars, starting with a letter');

export const environmentName = z.enum(['dev', 'stg', 'prod']);

const credential = z
  .object({
    user: z.string().min(1).max(80),
    /** Literal password (local demo only) ... */
    password: z.string().optional(),
    /** ... or the name of an environment variable holding it. */
    passwordEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).optional(),
  })
  .refine((c) => !(c.password !== undefined && c.passwordEnv !== undefined), 'give password or passwordEnv, not both');

export const clusterConfig = z.object({
  id: clusterId,
  environment: environmentName,
  engine: z.enum(['aurora-mysql', 'mysql', 'mariadb']).default('mysql'),
  description: z.string().max(500).optional(),
  endpoint: z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535).default(3306) }),
  /** Reader instance endpoints (sessions are killed on every instance). */
  instances: z.array(z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535).default(3306) })).default([]),
  /** The platform's admin login: creates and drops the one-off users. */
  admin: credential,
  /** A read-only login for the doc-crawler; falls back to admin when absent. */
  reader: credential.optional(),
});

export type ClusterConfig = z.output<typeof clusterConfig>;
export type Credential = z.output<typeof credential>;

export const inventoryConfig = z.object({
  clusters: z.array(clusterConfig).default([]),
});

/**
 * The platform file: each capability validates its own section; this reads the file once and
 * reports the path and the line of trouble.
 */
export function readPlatformFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read platform config ${path}: ${(err as Error).message}`, { cause: err });
  }
  let data: unknown;
  try {
    data = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new Error(`platform config ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`, { cause: err });
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error(`platform config ${path} must be a mapping`);
  return data as Record<string, unknown>;
}

/** Parses one section with its schema; the error names the file and every bad field. */
export function parseSection<S extends z.ZodType>(path: string, section: string, schema: S, data: Record<string, unknown>): z.output<S> {
  const result = schema.safeParse(data[section] ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  - ${section}.${i.path.map(String).join('.')}: ${i.message}`);
  throw new Error(`invalid platform config ${path}:\n${lines.join('\n')}`);
}

export function resolvePassword(cred: Credential, env: Record<string, string | undefined>): string {
  if (cred.passwordEnv) {
    const value = env[cred.passwordEnv];
    if (value === undefined) throw new Error(`environment variable ${cred.passwordEnv} (password for ${cred.user}) is not set`);
    return value;
  }
  return cred.password ?? '';
}
