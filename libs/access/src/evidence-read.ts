import { verifyRequestChain, type AuditEvent, type RequestChainVerification } from '@dbre/domain';
import type { AuditRecord, EvidenceStore } from '@dbre/drivers';
import { ANCHOR_PREFIX, verifyBundle, type AnchorManifest, type ChainHead, type EvidenceDocument, type EvidenceLabel } from '@dbre/evidence';
import type { RequestRepository } from '@dbre/store';

export interface EvidenceReadDeps {
  requests: Pick<RequestRepository, 'auditEvents'>;
  store: EvidenceStore;
}

/** One sealed bundle as its chain records it, checked against the store. */
export interface SealedBundle {
  label: EvidenceLabel;
  objectKey: string;
  sha256: string;
  sealedAt: string;
  /** The stored bytes hash to the sealed SHA-256 and their platform events are still in the chain. */
  verified: boolean;
  problem?: string;
  bytes?: number;
  statements?: number;
  warnings?: string[];
}

export interface LastAnchor {
  key: string;
  sequence: number;
  createdAt: string;
  head: ChainHead;
  /** The chain still holds the anchored head unchanged (false: history was rewritten or cut). */
  matches: boolean;
}

export interface EvidenceView {
  requestId: string;
  chain: RequestChainVerification;
  bundles: SealedBundle[];
  /** The database records of the latest verified bundle (`final` over `revoke`), one page. */
  statements: { label: EvidenceLabel | null; total: number; offset: number; limit: number; items: AuditRecord[] };
  lastAnchor: LastAnchor | null;
}

const sealedOf = (events: readonly AuditEvent[]) =>
  events
    .filter((e) => e.kind === 'evidence_sealed')
    .map((e) => ({ label: String(e.data?.['label']) as EvidenceLabel, objectKey: String(e.data?.['objectKey']), sha256: String(e.data?.['sha256']), sealedAt: e.at }));

/** The newest anchor manifest that holds the request (newest first; stops at the first hit). */
async function lastAnchorOf(store: EvidenceStore, requestId: string, events: readonly AuditEvent[]): Promise<LastAnchor | null> {
  const keys = (await store.list(ANCHOR_PREFIX)).filter((k) => /^anchors\/\d{12}\.json$/.test(k));
  for (const key of [...keys].reverse()) {
    const bytes = await store.get(key);
    if (!bytes) continue;
    const manifest = JSON.parse(bytes.toString('utf8')) as AnchorManifest;
    const head = manifest.heads[requestId];
    if (!head) continue;
    const event = events.find((e) => e.seq === head.seq);
    return { key, sequence: manifest.sequence, createdAt: manifest.createdAt, head, matches: event?.hash === head.hash };
  }
  return null;
}

/**
 * What the dashboard's request page shows of a request's evidence: the chain check
 * (verifyRequestChain), every sealed bundle verified against the store, one page of the database
 * records of the latest verified bundle, and the last anchor covering the request.
 * undefined when the request has no chain at all.
 */
export async function evidenceFor(deps: EvidenceReadDeps, requestId: string, page: { offset?: number; limit?: number } = {}): Promise<EvidenceView | undefined> {
  const { request, events } = await deps.requests.auditEvents(requestId);
  if (!request && events.length === 0) return undefined;
  const chain = verifyRequestChain(events, request ? { state: request.state, approvalsRequired: request.approvalsRequired } : {});
  const offset = Math.max(0, Math.floor(page.offset ?? 0));
  const limit = Math.min(500, Math.max(1, Math.floor(page.limit ?? 50)));
  const bundles: SealedBundle[] = [];
  const documents = new Map<EvidenceLabel, EvidenceDocument>();
  for (const sealed of sealedOf(events)) {
    const bytes = await deps.store.get(sealed.objectKey).catch(() => undefined);
    if (!bytes) {
      bundles.push({ ...sealed, verified: false, problem: `the bundle ${sealed.objectKey} is not in the evidence store` });
      continue;
    }
    const check = verifyBundle(bytes, sealed.sha256, { events });
    if (!check.ok) {
      bundles.push({ ...sealed, verified: false, problem: check.problem, bytes: bytes.length });
      continue;
    }
    documents.set(sealed.label, check.document);
    const db = check.document.database;
    bundles.push({ ...sealed, verified: true, bytes: bytes.length, statements: db?.counts.statements ?? 0, warnings: db?.warnings ?? [] });
  }
  const label = documents.has('final') ? 'final' : documents.has('revoke') ? 'revoke' : null;
  const records = (label && documents.get(label)?.database?.records) || [];
  return {
    requestId,
    chain,
    bundles,
    statements: { label, total: records.length, offset, limit, items: records.slice(offset, offset + limit) },
    lastAnchor: await lastAnchorOf(deps.store, requestId, events),
  };
}

/**
 * The bytes of a sealed bundle for download, only when they still hash to the sealed SHA-256
 * (undefined: not sealed, missing or altered — evidenceFor says which).
 */
export async function sealedBundleBytes(deps: EvidenceReadDeps, requestId: string, label: EvidenceLabel): Promise<Buffer | undefined> {
  const { events } = await deps.requests.auditEvents(requestId);
  const sealed = sealedOf(events).find((s) => s.label === label);
  if (!sealed) return undefined;
  const bytes = await deps.store.get(sealed.objectKey);
  return bytes && verifyBundle(bytes, sealed.sha256).ok ? bytes : undefined;
}
