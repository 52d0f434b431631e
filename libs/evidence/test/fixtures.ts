import { GENESIS_HASH, hashAuditEvent, parseAccessRequest, type AccessRequest, type AuditEvent, type AuditKind } from '@dbre/domain';

export const REQUEST_ID = '01JEVD00000000000000000001';

/** A revoked grant of `dbUser` on cluster `local`, decided at `decidedAt`, revoked at `revokedAt`. */
export function revokedRequest(dbUser: string, decidedAt: Date, revokedAt: Date, id = REQUEST_ID): AccessRequest {
  return parseAccessRequest({
    id,
    requester: { email: 'dave@example.com', displayName: 'Dave' },
    target: { clusterId: 'local', database: 'shop', environment: 'dev' },
    profile: 'ddl',
    privileges: ['SELECT', 'UPDATE', 'CREATE'],
    durationMinutes: 30,
    reason: 'fix the orders index for INC-42',
    approvalsRequired: 1,
    approvals: [{ by: { email: 'alice@example.com' }, at: decidedAt.toISOString() }],
    extensions: [],
    requestedAt: new Date(decidedAt.getTime() - 60_000).toISOString(),
    reviewExpiresAt: new Date(decidedAt.getTime() + 3_600_000).toISOString(),
    decidedAt: decidedAt.toISOString(),
    activeAt: decidedAt.toISOString(),
    endsAt: revokedAt.toISOString(),
    revokedAt: revokedAt.toISOString(),
    revokeReason: 'ended_by_requester',
    resources: { dbUser, dbHost: '127.0.0.1', bastionId: 'fwd-1', secretId: `dbre/access/${id}` },
    state: 'revoked',
    version: 9,
    updatedAt: revokedAt.toISOString(),
  });
}

export const REVOKED_PATH: AuditKind[] = ['requested', 'approved', 'provisioning_started', 'user_created', 'activated', 'revoke_started', 'sessions_killed', 'user_dropped', 'revoked'];

/** A hash-linked chain of the given kinds, as the store writes it. */
export function chainOf(requestId: string, kinds: readonly AuditKind[], at = new Date('2026-12-02T05:00:00.000Z')): AuditEvent[] {
  const out: AuditEvent[] = [];
  kinds.forEach((kind, i) => {
    const body = { requestId, seq: i + 1, key: kind, kind, at: new Date(at.getTime() + i * 1000).toISOString(), data: { step: i + 1 }, prevHash: out[i - 1]?.hash ?? GENESIS_HASH };
    out.push({ ...body, hash: hashAuditEvent(body) });
  });
  return out;
}

/** Rewrites event `seq` and re-hashes every later event: a consistent, "undetectable" history rewrite. */
export function rewriteConsistently(events: readonly AuditEvent[], seq: number, data: Record<string, unknown>): AuditEvent[] {
  const out: AuditEvent[] = [];
  for (const e of events) {
    const { hash: _old, ...rest } = e;
    const body = { ...rest, data: e.seq === seq ? data : e.data, prevHash: out[out.length - 1]?.hash ?? GENESIS_HASH };
    out.push({ ...body, hash: hashAuditEvent(body) });
  }
  return out;
}
