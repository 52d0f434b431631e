import { z } from 'zod';
import { isPasswordHash } from './password-hash';

/**
 * The `dashboard` section of the platform file: local users (basic auth) and, on AWS, which OIDC
 * identities are admins or viewers. Entries of `admins`/`viewers`: an e-mail, `@domain` or `*`.
 */
const user = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'letters, digits, . _ @ -, up to 64'),
    role: z.enum(['viewer', 'admin']),
    displayName: z.string().min(1).max(200).optional(),
    /** Needed to end grants: request-api lets the requester or an approver of the environment end one. */
    email: z.email().max(254).transform((e) => e.toLowerCase()).optional(),
    /** `scrypt$…` from `npm run dashboard:hash-password`. */
    passwordHash: z.string().refine(isPasswordHash, 'a scrypt$N$r$p$salt$hash string from npm run dashboard:hash-password').optional(),
    /** ... or the name of an environment variable holding the password (compared in constant time). */
    passwordEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).optional(),
  })
  .refine((u) => (u.passwordHash === undefined) !== (u.passwordEnv === undefined), 'give exactly one of passwordHash or passwordEnv');

const principal = z.string().regex(/^(\*|@[a-z0-9.-]+|[^\s@]+@[a-z0-9.-]+)$/i, 'an e-mail, @domain or *');

export const dashboardAccessSchema = z.object({
  users: z.array(user).default([]),
  oidc: z
    .object({
      admins: z.array(principal).default([]),
      viewers: z.array(principal).default([]),
    })
    .default({ admins: [], viewers: [] }),
});

export type DashboardAccess = z.output<typeof dashboardAccessSchema>;
export type DashboardUser = DashboardAccess['users'][number];

/** Does `email` match one of the entries (exact e-mail, `@domain` or `*`)? */
export function matchesPrincipal(email: string, entries: readonly string[]): boolean {
  const e = email.toLowerCase();
  return entries.some((entry) => {
    const p = entry.toLowerCase();
    if (p === '*') return true;
    if (p.startsWith('@')) return e.endsWith(p);
    return e === p;
  });
}
