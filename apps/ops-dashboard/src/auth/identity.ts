/** Who is looking at the dashboard, and what they may do. */
export type Role = 'viewer' | 'admin';

export interface Identity {
  /** Stable id: the basic-auth user name or the OIDC e-mail (lower-case) / subject. */
  id: string;
  /** For display and audit. */
  name: string;
  email?: string;
  role: Role;
  via: 'basic' | 'alb-oidc';
}

/** An authenticator resolves the identity of a request or throws an AppError (401/403). */
export interface Authenticator {
  mode: 'basic' | 'alb-oidc';
  authenticate(headers: Record<string, string | string[] | undefined>): Promise<Identity>;
}

export const isAdmin = (identity: Identity | undefined): boolean => identity?.role === 'admin';
