import { z } from 'zod';
import { ENVIRONMENTS, type Environment } from './access-request';
import { autoApproveRuleSchema, renotifySchema } from './auto-approval';
import { DomainError } from './errors';

/**
 * Database-level MySQL privileges a profile may grant (GRANT ... ON db.* and ON *.*). Global-only
 * or dangerous ones (SUPER, FILE, GRANT OPTION, CREATE USER, PROCESS, ALL ...) are refused.
 */
export const GRANTABLE_PRIVILEGES = [
  'SELECT',
  'SHOW VIEW',
  'INSERT',
  'UPDATE',
  'DELETE',
  'CREATE',
  'ALTER',
  'INDEX',
  'DROP',
  'CREATE VIEW',
  'TRIGGER',
  'EXECUTE',
  'CREATE ROUTINE',
  'ALTER ROUTINE',
  'REFERENCES',
  'LOCK TABLES',
  'CREATE TEMPORARY TABLES',
  'EVENT',
] as const;
export type GrantablePrivilege = (typeof GRANTABLE_PRIVILEGES)[number];

/**
 * Targets that reach the server itself: `*` (every database, `mysql` included) and the system
 * schemas. INSERT on `mysql` is enough for CREATE USER, SELECT on it reads every password hash.
 * Refused unless an environment lists the profile under `systemDatabases`.
 */
export const SYSTEM_DATABASES = ['*', 'mysql', 'sys', 'information_schema', 'performance_schema'] as const;
export type SystemDatabase = (typeof SYSTEM_DATABASES)[number];

/** The only privileges ever granted on a system target: reading, never writing accounts or privileges. */
export const SYSTEM_DATABASE_PRIVILEGES: readonly GrantablePrivilege[] = ['SELECT', 'SHOW VIEW'];

/** The system target a database name denotes (case-insensitive: lower_case_table_names may fold it), if any. */
export function systemDatabaseOf(database: string): SystemDatabase | undefined {
  const lower = database.toLowerCase();
  return SYSTEM_DATABASES.find((d) => d === lower);
}

/** Maximum user name length by engine (MySQL 5.7+/Aurora 32, MariaDB 80; old MySQL 5.6: 16). */
export const DB_USER_NAME_LIMITS = { 'aurora-mysql': 32, mysql: 32, mariadb: 80 } as const;
export type Engine = keyof typeof DB_USER_NAME_LIMITS;

const privilege = z
  .string()
  .transform((p) => p.trim().toUpperCase().replace(/\s+/g, ' '))
  .refine((p): p is GrantablePrivilege => (GRANTABLE_PRIVILEGES as readonly string[]).includes(p), {
    message: `not a grantable privilege; allowed: ${GRANTABLE_PRIVILEGES.join(', ')}`,
  });

const profileName = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'lower-case letters, digits, _ or -, up to 32 chars');

const profileInput = z.object({
  description: z.string().max(500).optional(),
  /** Other profiles whose privileges this one includes (write includes read). */
  includes: z.array(profileName).default([]),
  privileges: z.array(privilege).default([]),
});

/** An approver entry: an e-mail, a Slack user id, or `group:<name>` from `groups`. */
const approverEntry = z
  .string()
  .min(1)
  .refine((s) => /^group:[a-z0-9_-]+$/.test(s) || /^[UW][A-Z0-9]{2,20}$/.test(s) || /^[^\s@]+@[^\s@]+$/.test(s), {
    message: 'an e-mail, a Slack user id (U...) or group:<name>',
  });

const environmentPolicyInput = z
  .object({
    defaultMinutes: z.number().int().positive(),
    maxMinutes: z.number().int().positive(),
    approvers: z.array(approverEntry).min(1),
    approvalsRequired: z.number().int().min(1).max(5).default(1),
    /** Profiles allowed in this environment; every profile when absent. */
    profiles: z.array(profileName).optional(),
    /**
     * Profiles allowed on `*` and the system schemas, per target; none when absent. Only
     * read-only profiles (SELECT, SHOW VIEW) may be listed.
     */
    systemDatabases: z
      .object(Object.fromEntries(SYSTEM_DATABASES.map((d) => [d, z.array(profileName).optional()])) as Record<SystemDatabase, z.ZodOptional<z.ZodArray<typeof profileName>>>)
      .strict()
      .default({}),
  })
  .refine((e) => e.defaultMinutes <= e.maxMinutes, { message: 'defaultMinutes must not exceed maxMinutes' });

const policyInput = z
  .object({
    profiles: z.record(profileName, profileInput),
    environments: z.object({ dev: environmentPolicyInput, stg: environmentPolicyInput, prod: environmentPolicyInput }),
    groups: z.record(z.string().regex(/^[a-z0-9_-]+$/), z.array(z.string().min(1))).default({}),
    /** The requester approving their own request is never allowed; only `false` is accepted. */
    selfApproval: z.literal(false).default(false),
    /** Requests nobody reviewed within this many minutes expire. */
    reviewExpiryMinutes: z.number().int().positive().default(60),
    /** A request may ask to start at most this many minutes ahead (scheduled start; default 7 days). */
    maxScheduleAheadMinutes: z.number().int().positive().default(7 * 24 * 60),
    /** The warning goes this many minutes before the end. */
    warnBeforeMinutes: z.number().int().min(0).default(10),
    dbUser: z
      .object({
        /**
         * Every platform-made user starts with this; the sweep treats unknown users with it as
         * orphans, so no human account may use it.
         */
        prefix: z.string().regex(/^[a-z][a-z0-9_]{0,7}$/).default('jit_'),
        maxLength: z
          .object({
            'aurora-mysql': z.number().int().min(8).max(80).default(32),
            mysql: z.number().int().min(8).max(80).default(32),
            mariadb: z.number().int().min(8).max(80).default(80),
          })
          .default({ 'aurora-mysql': 32, mysql: 32, mariadb: 80 }),
      })
      .default({ prefix: 'jit_', maxLength: { 'aurora-mysql': 32, mysql: 32, mariadb: 80 } }),
    /** Rules that approve low-risk requests at creation (auto-approval.ts); none when absent. */
    autoApprove: z.array(autoApproveRuleSchema).default([]),
    /** Reminders to approvers of a request still waiting; none when absent. */
    renotify: renotifySchema.optional(),
  })
  .superRefine((p, ctx) => {
    const ruleIds = new Set<string>();
    p.autoApprove.forEach((rule, i) => {
      const path = ['autoApprove', i];
      if (ruleIds.has(rule.id)) ctx.addIssue({ code: 'custom', path: [...path, 'id'], message: `rule id "${rule.id}" is used twice` });
      ruleIds.add(rule.id);
      for (const prof of rule.profiles) {
        if (!Object.hasOwn(p.profiles, prof)) ctx.addIssue({ code: 'custom', path: [...path, 'profiles'], message: `unknown profile "${prof}"` });
        for (const env of rule.environments.filter((e) => (ENVIRONMENTS as readonly string[]).includes(e))) {
          const allowed = p.environments[env].profiles;
          if (allowed && !allowed.includes(prof)) ctx.addIssue({ code: 'custom', path: [...path, 'profiles'], message: `profile "${prof}" is not allowed on ${env} clusters, so the rule could never apply` });
        }
      }
      for (const g of rule.requesterGroups ?? []) {
        if (!Object.hasOwn(p.groups, g)) ctx.addIssue({ code: 'custom', path: [...path, 'requesterGroups'], message: `unknown group "${g}"` });
      }
    });
    const names = Object.keys(p.profiles);
    if (names.length === 0) ctx.addIssue({ code: 'custom', path: ['profiles'], message: 'define at least one profile' });
    for (const [name, prof] of Object.entries(p.profiles)) {
      for (const inc of prof.includes) {
        if (!Object.hasOwn(p.profiles, inc)) ctx.addIssue({ code: 'custom', path: ['profiles', name, 'includes'], message: `unknown profile "${inc}"` });
      }
      if (prof.includes.length === 0 && prof.privileges.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['profiles', name], message: 'a profile needs privileges or includes' });
      }
      if (includesCycle(p.profiles, name)) ctx.addIssue({ code: 'custom', path: ['profiles', name, 'includes'], message: 'includes form a cycle' });
    }
    for (const env of ENVIRONMENTS) {
      const e = p.environments[env];
      for (const prof of e.profiles ?? []) {
        if (!Object.hasOwn(p.profiles, prof)) ctx.addIssue({ code: 'custom', path: ['environments', env, 'profiles'], message: `unknown profile "${prof}"` });
      }
      for (const target of SYSTEM_DATABASES) {
        for (const prof of e.systemDatabases[target] ?? []) {
          const path = ['environments', env, 'systemDatabases', target];
          if (!Object.hasOwn(p.profiles, prof)) {
            ctx.addIssue({ code: 'custom', path, message: `unknown profile "${prof}"` });
            continue;
          }
          const unsafe = [...resolvePrivileges(p.profiles, prof)].filter((priv) => !(SYSTEM_DATABASE_PRIVILEGES as readonly string[]).includes(priv));
          if (unsafe.length) ctx.addIssue({ code: 'custom', path, message: `profile "${prof}" grants ${unsafe.join(', ')}; on ${target} only ${SYSTEM_DATABASE_PRIVILEGES.join(', ')} may be granted` });
        }
      }
      for (const a of e.approvers) {
        const g = a.startsWith('group:') ? a.slice(6) : undefined;
        if (g !== undefined && !Object.hasOwn(p.groups, g)) ctx.addIssue({ code: 'custom', path: ['environments', env, 'approvers'], message: `unknown group "${g}"` });
      }
      const approvers = expandApprovers(p.groups, e.approvers).length;
      if (approvers === 0) {
        // Empty groups: nobody could ever approve a request there.
        ctx.addIssue({ code: 'custom', path: ['environments', env, 'approvers'], message: 'lists no approver: its groups are empty, so nobody could approve a request' });
      } else if (approvers < e.approvalsRequired) {
        // Group members may be Slack ids and e-mails of the same people; this is a floor, not a proof.
        ctx.addIssue({ code: 'custom', path: ['environments', env, 'approvalsRequired'], message: `needs ${e.approvalsRequired} approvals but fewer approvers are listed` });
      }
    }
  });

function includesCycle(profiles: Record<string, { includes: string[] }>, start: string): boolean {
  const seen = new Set<string>();
  const walk = (name: string, path: Set<string>): boolean => {
    if (path.has(name)) return true;
    if (seen.has(name)) return false;
    seen.add(name);
    const next = new Set(path).add(name);
    return ((Object.hasOwn(profiles, name) ? profiles[name]?.includes : undefined) ?? []).some((n) => walk(n, next));
  };
  return walk(start, new Set());
}

/** The privileges of a profile with its includes resolved (cycles are reported by the schema). */
function resolvePrivileges(profiles: Record<string, { includes: string[]; privileges: string[] }>, start: string): Set<string> {
  const acc = new Set<string>();
  const seen = new Set<string>();
  const walk = (name: string): void => {
    if (seen.has(name) || !Object.hasOwn(profiles, name)) return;
    seen.add(name);
    const prof = profiles[name];
    if (!prof) return;
    for (const inc of prof.includes) walk(inc);
    for (const priv of prof.privileges) acc.add(priv);
  };
  walk(start);
  return acc;
}

function expandApprovers(groups: Record<string, string[]>, entries: string[]): string[] {
  const out = new Set<string>();
  for (const e of entries) {
    const group = e.startsWith('group:') ? e.slice(6) : undefined;
    if (group !== undefined) for (const m of (Object.hasOwn(groups, group) ? groups[group] : undefined) ?? []) out.add(m.toLowerCase());
    else out.add(e.toLowerCase());
  }
  return [...out];
}

export interface PermissionProfile {
  name: string;
  description?: string;
  /** Flattened (includes resolved), de-duplicated, in allow-list order. */
  privileges: GrantablePrivilege[];
}

/**
 * The `access:` section of the platform file. Parse with `accessPolicySchema.parse(section)` (or
 * config's `parseSection`); profiles come out flattened.
 */
export const accessPolicySchema = policyInput.transform((p) => {
  // Own-property entries only: a profile named `constructor` is a profile, `toString` never is.
  const profiles: Record<string, PermissionProfile> = Object.create(null) as Record<string, PermissionProfile>;
  for (const [name, prof] of Object.entries(p.profiles)) {
    const acc = resolvePrivileges(p.profiles, name);
    profiles[name] = {
      name,
      ...(prof.description ? { description: prof.description } : {}),
      privileges: GRANTABLE_PRIVILEGES.filter((g) => acc.has(g)),
    };
  }
  return { ...p, profiles };
});
export type AccessPolicy = z.output<typeof accessPolicySchema>;
export type AccessPolicyInput = z.input<typeof accessPolicySchema>;
export type EnvironmentPolicy = AccessPolicy['environments'][Environment];

export function environmentPolicy(policy: AccessPolicy, env: Environment): EnvironmentPolicy {
  return policy.environments[env];
}

/** The flattened privileges of a profile, or undefined when the policy has no such profile. */
export function profilePrivileges(policy: AccessPolicy, profile: string): GrantablePrivilege[] | undefined {
  return findProfile(policy, profile)?.privileges;
}

/** The profile of that name, looked up as an own property (`constructor`, `__proto__` are no profiles). */
export function findProfile(policy: AccessPolicy, profile: string): PermissionProfile | undefined {
  return Object.hasOwn(policy.profiles, profile) ? policy.profiles[profile] : undefined;
}

/** Whether the environment's policy lets this profile reach a system target (`*`, `mysql`, ...). */
export function allowsSystemDatabase(policy: AccessPolicy, env: Environment, target: SystemDatabase, profile: string): boolean {
  return (policy.environments[env].systemDatabases[target] ?? []).includes(profile);
}

/** Lower-cased e-mails and Slack ids allowed to approve in an environment (groups expanded). */
export function approversOf(policy: AccessPolicy, env: Environment): string[] {
  return expandApprovers(policy.groups, policy.environments[env].approvers);
}

/** A deployment's id: marks its database users (and, by configuration, its queues). */
export const DEPLOYMENT_ID_PATTERN = /^[a-z][a-z0-9]{0,7}$/;

/**
 * The policy as one deployment applies it: platform users are named `<prefix><deployment>_…`, so
 * deployments sharing a database server never take each other's users for orphans. The id has no
 * `_`, so one deployment's prefix is never the start of another's (`jit_a_` vs `jit_ab_`).
 */
export function forDeployment(policy: AccessPolicy, deploymentId: string): AccessPolicy {
  if (!DEPLOYMENT_ID_PATTERN.test(deploymentId)) {
    throw new DomainError('DEPLOYMENT_ID_INVALID', 'invalid', `The deployment id ${JSON.stringify(deploymentId)} must be 1-8 of [a-z0-9], starting with a letter.`);
  }
  const prefix = `${policy.dbUser.prefix}${deploymentId}_`;
  // dbUserName and the orphan search accept prefixes up to 16 characters.
  if (prefix.length > 16) {
    throw new DomainError('DEPLOYMENT_ID_INVALID', 'invalid', `The user prefix "${prefix}" (policy prefix + deployment id + _) is longer than 16 characters; shorten either.`);
  }
  return { ...policy, dbUser: { ...policy.dbUser, prefix } };
}
