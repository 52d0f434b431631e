import { createHash } from 'node:crypto';
import { canonicalJson, type AccessRequest, type AuditEvent, type AuditKind } from '@dbre/domain';
import type { AuditRecord, BastionSession } from '@dbre/drivers';

export type { BastionSession } from '@dbre/drivers';

export const EVIDENCE_FORMAT = 'dbre-evidence/1';

/** Which collection: at revoke, or the sweep's later one that also catches late log delivery. */
export type EvidenceLabel = 'revoke' | 'final';
export const EVIDENCE_LABELS: readonly EvidenceLabel[] = ['revoke', 'final'];


/** What the database audit log said about the grant's user. */
export interface DatabaseEvidence {
  clusterId: string;
  user: string;
  from: string;
  to: string;
  source: string;
  /** Why the records may be incomplete (audit logging off, events missing, files rotated away). */
  warnings: string[];
  records: AuditRecord[];
}

export interface EvidenceInput {
  label: EvidenceLabel;
  request: AccessRequest;
  /** The request's platform audit chain (sorted by seq). */
  events: readonly AuditEvent[];
  /** Absent when the grant never had a database user (denied, cancelled, expired). */
  database?: DatabaseEvidence;
  sessions?: readonly BastionSession[];
  /** What the doc-crawler says of the cluster's audit logging, when it knows. */
  clusterAuditLogging?: { enabled: boolean; detail?: string };
}

export interface EvidenceDocument {
  format: typeof EVIDENCE_FORMAT;
  label: EvidenceLabel;
  requestId: string;
  request: Record<string, unknown>;
  decisions: Record<string, unknown>;
  platform: { events: AuditEvent[]; head: { seq: number; hash: string } | null };
  database: (DatabaseEvidence & { counts: Record<'connects' | 'disconnects' | 'failedConnects' | 'statements' | 'failedStatements' | 'other', number> }) | null;
  bastionSessions?: BastionSession[];
  clusterAuditLogging?: { enabled: boolean; detail?: string };
}

export interface EvidenceBundle {
  document: EvidenceDocument;
  /** Canonical JSON (keys sorted at every level), UTF-8. */
  bytes: Buffer;
  /** Hex SHA-256 of `bytes`: what the chain's `evidence_sealed` event records. */
  sha256: string;
}

const FINAL_KINDS: ReadonlySet<AuditKind> = new Set(['revoked', 'denied', 'cancelled', 'expired', 'failed']);

/**
 * The platform events a bundle holds: the chain up to and including the event that ended the
 * request, so a later collection (the sweep's) holds the same events as the first one, and the
 * `evidence_sealed` events that follow are never inside the bundle they seal.
 */
export function eventsUpToEnd(events: readonly AuditEvent[]): AuditEvent[] {
  const end = events.find((e) => FINAL_KINDS.has(e.kind));
  return events.filter((e) => e.kind !== 'evidence_sealed' && (!end || e.seq <= end.seq));
}

/** The request's lasting facts; version, updatedAt and the store's bookkeeping change after the end and stay out. */
function requestFacts(r: AccessRequest): Record<string, unknown> {
  return {
    id: r.id,
    requester: r.requester,
    target: r.target,
    profile: r.profile,
    privileges: r.privileges,
    durationMinutes: r.durationMinutes,
    reason: r.reason,
    ticketUrl: r.ticketUrl,
    state: r.state,
    requestedAt: r.requestedAt,
    decidedAt: r.decidedAt,
    activeAt: r.activeAt,
    endsAt: r.endsAt,
    revokedAt: r.revokedAt,
    revokeReason: r.revokeReason,
    failureReason: r.failureReason,
    resources: { dbUser: r.resources.dbUser, dbHost: r.resources.dbHost, bastionId: r.resources.bastionId, secretId: r.resources.secretId },
  };
}

function countRecords(records: readonly AuditRecord[]) {
  const counts = { connects: 0, disconnects: 0, failedConnects: 0, statements: 0, failedStatements: 0, other: 0 };
  for (const r of records) {
    if (r.kind === 'connect') counts.connects++;
    else if (r.kind === 'disconnect') counts.disconnects++;
    else if (r.kind === 'failed_connect') counts.failedConnects++;
    else if (r.kind === 'query') {
      counts.statements++;
      if (r.resultCode !== 0) counts.failedStatements++;
    } else counts.other++;
  }
  return counts;
}

/** Builds the bundle: one canonical JSON document (stable key order) and its SHA-256. Pure. */
export function buildEvidenceBundle(input: EvidenceInput): EvidenceBundle {
  const events = eventsUpToEnd(input.events);
  const last = events[events.length - 1];
  const r = input.request;
  const document: EvidenceDocument = {
    format: EVIDENCE_FORMAT,
    label: input.label,
    requestId: r.id,
    request: requestFacts(r),
    decisions: {
      approvalsRequired: r.approvalsRequired,
      approvals: r.approvals,
      denial: r.denial,
      extensions: r.extensions,
      cancelledBy: r.cancelledBy,
    },
    platform: { events, head: last ? { seq: last.seq, hash: last.hash } : null },
    database: input.database ? { ...input.database, counts: countRecords(input.database.records) } : null,
    ...(input.sessions ? { bastionSessions: [...input.sessions] } : {}),
    ...(input.clusterAuditLogging ? { clusterAuditLogging: input.clusterAuditLogging } : {}),
  };
  const bytes = Buffer.from(canonicalJson(document), 'utf8');
  return { document, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export type BundleVerification =
  | { ok: true; document: EvidenceDocument }
  | { ok: false; problem: string; seq?: number };

/**
 * Checks a bundle against the hash sealed in the chain; with the request's stored events, also
 * that every platform event the bundle holds is still in the chain unchanged (a chain rewritten
 * after sealing, even re-hashed consistently, no longer matches its own evidence).
 */
export function verifyBundle(bytes: Buffer, sealedHash: string, options: { events?: readonly AuditEvent[] } = {}): BundleVerification {
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== sealedHash) return { ok: false, problem: `the bundle's SHA-256 ${actual} is not the sealed ${sealedHash}: the bundle was altered or is not the sealed one` };
  let document: EvidenceDocument;
  try {
    document = JSON.parse(bytes.toString('utf8')) as EvidenceDocument;
  } catch {
    return { ok: false, problem: 'the bundle is not JSON' };
  }
  if (document.format !== EVIDENCE_FORMAT) return { ok: false, problem: `unknown bundle format ${JSON.stringify(document.format)}` };
  if (options.events) {
    const stored = new Map(options.events.map((e) => [e.seq, e]));
    for (const e of document.platform.events) {
      const now = stored.get(e.seq);
      if (!now) return { ok: false, seq: e.seq, problem: `event ${e.seq} "${e.key}" sealed in the bundle is no longer in the chain` };
      if (now.hash !== e.hash || now.key !== e.key) return { ok: false, seq: e.seq, problem: `event ${e.seq} differs from the one sealed in the bundle: the chain was rewritten after sealing` };
    }
  }
  return { ok: true, document };
}

const REQUEST_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Where a request's bundle lives in the evidence store. */
export function evidenceKey(requestId: string, label: EvidenceLabel): string {
  if (!REQUEST_ID.test(requestId)) throw new TypeError(`evidence key: ${JSON.stringify(requestId)} is not a request id (ULID)`);
  if (!EVIDENCE_LABELS.includes(label)) throw new TypeError(`evidence key: unknown label ${JSON.stringify(label)}`);
  return `evidence/${requestId}/${label}.json`;
}
