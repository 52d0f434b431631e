import { createHash } from 'node:crypto';
import { isTerminal, type AccessRequest, type AuditEvent, type AuditEventInput } from '@dbre/domain';
import { EvidenceExistsError, type AuditSource, type EvidenceStore } from '@dbre/drivers';
import { buildEvidenceBundle, evidenceKey, eventsUpToEnd, type BastionSession, type DatabaseEvidence, type EvidenceLabel } from './bundle';

export class EvidenceError extends Error {
  readonly kind = 'conflict';
  constructor(
    readonly code: 'EVIDENCE_REQUEST_NOT_FINAL' | 'EVIDENCE_CONFLICT',
    message: string,
  ) {
    super(message);
    this.name = 'EvidenceError';
  }
}

export interface CollectEvidenceInput {
  request: AccessRequest;
  /** The request's audit chain, sorted by seq. */
  events: readonly AuditEvent[];
  auditSource: AuditSource;
  evidenceStore: EvidenceStore;
  /** `revoke` at revoke; `final` from the sweep once late log delivery has settled. Default revoke. */
  label?: EvidenceLabel;
  /** SSM sessions of the grant's bastion (AWS). */
  sessions?: () => Promise<readonly BastionSession[]>;
  clusterAuditLogging?: { enabled: boolean; detail?: string };
  /** Widens the database window on both sides (clock skew between hosts). Default 60 s. */
  windowSlackMs?: number;
  signal?: AbortSignal;
}

export interface CollectedEvidence {
  key: string;
  sha256: string;
  label: EvidenceLabel;
  /** false when the same bundle was already stored (a retried job). */
  written: boolean;
  records: number;
  statements: number;
  source: string | null;
  warnings: string[];
  bytes: number;
}

/**
 * Gathers a finished grant's evidence (request, decisions, platform events up to the end, the
 * database user's every connect/statement/disconnect in the grant's window, bastion sessions),
 * writes it once to the evidence store and returns its SHA-256 for the chain's `evidence_sealed`
 * event. Idempotent: the same bundle already stored is fine; a different one under the same key
 * is EVIDENCE_CONFLICT (something changed the records or the chain since the first collection).
 */
export async function collectEvidence(input: CollectEvidenceInput): Promise<CollectedEvidence> {
  const { request } = input;
  const label = input.label ?? 'revoke';
  if (!isTerminal(request.state)) {
    throw new EvidenceError('EVIDENCE_REQUEST_NOT_FINAL', `request ${request.id} is ${request.state}: evidence is collected once the grant has ended`);
  }
  const key = evidenceKey(request.id, label);
  let database: DatabaseEvidence | undefined;
  const user = request.resources.dbUser;
  if (user) {
    const slack = input.windowSlackMs ?? 60_000;
    // The user exists from provisioning (after the decision) until the revoke; the window is fixed by the request, so a re-collection reads the same span.
    const from = new Date(Date.parse(request.decidedAt ?? request.requestedAt) - slack);
    // A failed request has no revokedAt: its `failed` event ends it (updatedAt moves on later writes).
    const ended = eventsUpToEnd(input.events).at(-1);
    const endAt = request.revokedAt ?? (ended && ended.kind === request.state ? ended.at : request.updatedAt);
    const to = new Date(Date.parse(endAt) + slack);
    const found = await input.auditSource.records({ clusterId: request.target.clusterId, user, from, to, ...(input.signal ? { signal: input.signal } : {}) });
    database = { clusterId: request.target.clusterId, user, from: from.toISOString(), to: to.toISOString(), source: found.source, warnings: found.warnings, records: found.records };
  }
  const sessions = input.sessions ? await input.sessions() : undefined;
  const bundle = buildEvidenceBundle({
    label,
    request,
    events: input.events,
    ...(database ? { database } : {}),
    ...(sessions ? { sessions } : {}),
    ...(input.clusterAuditLogging ? { clusterAuditLogging: input.clusterAuditLogging } : {}),
  });
  let written = true;
  try {
    await input.evidenceStore.put(key, bundle.bytes, { contentType: 'application/json', sha256: bundle.sha256 });
  } catch (err) {
    if (!(err instanceof EvidenceExistsError)) throw err;
    const existing = await input.evidenceStore.get(key);
    const existingHash = existing ? createHash('sha256').update(existing).digest('hex') : 'unreadable';
    if (existingHash !== bundle.sha256) {
      throw new EvidenceError('EVIDENCE_CONFLICT', `evidence ${key} already exists with SHA-256 ${existingHash}, not ${bundle.sha256}: the records or the chain changed since it was written`);
    }
    written = false;
  }
  const counts = bundle.document.database?.counts;
  return {
    key,
    sha256: bundle.sha256,
    label,
    written,
    records: database?.records.length ?? 0,
    statements: counts?.statements ?? 0,
    source: database?.source ?? null,
    warnings: database?.warnings ?? [],
    bytes: bundle.bytes.length,
  };
}

/** The audit event the lifecycle appends once the bundle is stored (key per label: appending twice is harmless). */
export function evidenceSealedEvent(collected: CollectedEvidence): AuditEventInput {
  return {
    key: `evidence_sealed:${collected.label}`,
    kind: 'evidence_sealed',
    data: {
      label: collected.label,
      objectKey: collected.key,
      sha256: collected.sha256,
      records: collected.records,
      statements: collected.statements,
      source: collected.source,
      warnings: collected.warnings,
    },
  };
}
