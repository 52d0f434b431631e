import { verifyRequestChain, type AccessRequest, type AuditEvent, type RequestChainVerification } from '@dbre/domain';
import type { AuditRecord, EvidenceStore } from '@dbre/drivers';
import { ANCHOR_PREFIX, EVIDENCE_LABELS, evidenceKey, verifyBundle, type AnchorManifest, type EvidenceDocument, type EvidenceLabel } from '@dbre/evidence';

/**
 * One `evidence_sealed` event of a request's chain and what the evidence store holds for it:
 * `verified` (the stored bytes hash to the sealed SHA-256 and its platform events are still in
 * the chain), `missing` (nothing under the key) or `tampered` (anything else, loudly).
 */
export interface SealedBundle {
  label: EvidenceLabel;
  objectKey: string;
  sha256: string;
  /** When the seal was appended, and its place in the chain. */
  sealedAt: string;
  seq: number;
  /** What the seal says it holds (the counts of the bundle at sealing). */
  records: number;
  statements: number;
  source: string | null;
  warnings: string[];
  status: 'verified' | 'missing' | 'tampered';
  problem?: string;
  /** The bundle, once verified (never a tampered one's content). */
  document?: EvidenceDocument;
  bytes?: number;
}

export interface AnchorCover {
  key: string;
  sequence: number;
  createdAt: string;
  /** The chain head the anchor holds for this request. */
  anchored: { seq: number; hash: string };
  /** Whether the stored chain still has that hash at that seq. */
  matches: boolean;
  /** Events after the anchored head (not yet anchored). */
  unanchored: number;
}

export interface RequestEvidence {
  chain: RequestChainVerification;
  bundles: SealedBundle[];
  /** The newest anchor manifest naming this request; undefined when none does (yet). */
  anchor: AnchorCover | undefined;
  /** The anchors could not be read (the store's error, shown as such). */
  anchorError?: string;
}

export interface EvidenceRead {
  forRequest(request: AccessRequest, events: readonly AuditEvent[]): Promise<RequestEvidence>;
  /** The exact stored bytes of a sealed bundle and whether they match the seal; undefined when the chain seals no such bundle. */
  bundleBytes(request: AccessRequest, events: readonly AuditEvent[], label: EvidenceLabel): Promise<{ seal: SealedBundle; bytes: Buffer | undefined } | undefined>;
}

const SHA256 = /^[0-9a-f]{64}$/;

interface Seal {
  label: EvidenceLabel;
  objectKey: string;
  sha256: string;
  event: AuditEvent;
  problem?: string;
}

/** The seals of a chain, newest label last; a seal whose data is not what libs/evidence writes is kept, with its problem. */
function sealsOf(request: AccessRequest, events: readonly AuditEvent[]): Seal[] {
  const out: Seal[] = [];
  for (const event of events) {
    if (event.kind !== 'evidence_sealed') continue;
    const d = event.data;
    const label = EVIDENCE_LABELS.find((l) => l === d['label']);
    const objectKey = typeof d['objectKey'] === 'string' ? d['objectKey'] : '';
    const sha256 = typeof d['sha256'] === 'string' ? d['sha256'] : '';
    if (!label) {
      out.push({ label: 'revoke', objectKey, sha256, event, problem: `the seal #${event.seq} names an unknown bundle label ${JSON.stringify(d['label'])}` });
      continue;
    }
    // The key is derived from the request and the label: a seal pointing elsewhere is not trusted.
    const expected = evidenceKey(request.id, label);
    const problem = objectKey !== expected ? `the seal points at ${JSON.stringify(objectKey)}, not ${expected}` : !SHA256.test(sha256) ? 'the seal holds no SHA-256' : undefined;
    out.push({ label, objectKey, sha256, event, ...(problem ? { problem } : {}) });
  }
  return out;
}

function sealFacts(seal: Seal): Omit<SealedBundle, 'status'> {
  const d = seal.event.data;
  return {
    label: seal.label,
    objectKey: seal.objectKey,
    sha256: seal.sha256,
    sealedAt: seal.event.at,
    seq: seal.event.seq,
    records: typeof d['records'] === 'number' ? d['records'] : 0,
    statements: typeof d['statements'] === 'number' ? d['statements'] : 0,
    source: typeof d['source'] === 'string' ? d['source'] : null,
    warnings: Array.isArray(d['warnings']) ? d['warnings'].filter((w): w is string => typeof w === 'string') : [],
  };
}

/** Checks stored bytes against their seal (and the chain) without trusting anything in them first. */
function judge(seal: Seal, bytes: Buffer | undefined, request: AccessRequest, events: readonly AuditEvent[]): SealedBundle {
  const facts = sealFacts(seal);
  if (seal.problem) return { ...facts, status: 'tampered', problem: seal.problem };
  if (!bytes) return { ...facts, status: 'missing', problem: `the evidence store has nothing under ${seal.objectKey}` };
  const checked = verifyBundle(bytes, seal.sha256, { events });
  if (!checked.ok) return { ...facts, status: 'tampered', problem: checked.problem, bytes: bytes.length };
  if (checked.document.requestId !== request.id || checked.document.label !== seal.label) {
    return { ...facts, status: 'tampered', problem: `the bundle is sealed for ${checked.document.requestId}/${checked.document.label}, not this request's ${seal.label}`, bytes: bytes.length };
  }
  return { ...facts, status: 'verified', document: checked.document, bytes: bytes.length };
}

/**
 * The dashboard's evidence read side, through the EvidenceStore port only: the request's seals
 * (from its chain), the bundles verified against them, the chain's completeness and the newest
 * anchor naming the request.
 */
export function createEvidenceRead(deps: { store: EvidenceStore }): EvidenceRead {
  const { store } = deps;

  async function anchorOf(request: AccessRequest, events: readonly AuditEvent[]): Promise<AnchorCover | undefined> {
    const requestId = request.id;
    const keys = (await store.list(ANCHOR_PREFIX)).filter((k) => /^anchors\/\d{12}\.json$/.test(k));
    // A manifest written before the request existed cannot name it (an hour of slack for clocks).
    const notBefore = Date.parse(request.requestedAt) - 3600_000;
    // Newest first: the first manifest naming the request is the last anchor covering it.
    for (const key of keys.reverse()) {
      const bytes = await store.get(key);
      if (!bytes) continue;
      let manifest: AnchorManifest;
      try {
        manifest = JSON.parse(bytes.toString('utf8')) as AnchorManifest;
      } catch {
        continue;
      }
      const anchored = manifest.heads && Object.hasOwn(manifest.heads, requestId) ? manifest.heads[requestId] : undefined;
      if (!anchored) {
        if (Date.parse(manifest.createdAt) < notBefore) break;
        continue;
      }
      const event = events.find((e) => e.seq === anchored.seq);
      const head = events[events.length - 1];
      return {
        key,
        sequence: manifest.sequence,
        createdAt: manifest.createdAt,
        anchored: { seq: anchored.seq, hash: anchored.hash },
        matches: event?.hash === anchored.hash,
        unanchored: head ? Math.max(0, head.seq - anchored.seq) : 0,
      };
    }
    return undefined;
  }

  return {
    async forRequest(request, events) {
      const chain = verifyRequestChain(events, { state: request.state, approvalsRequired: request.approvalsRequired });
      const bundles: SealedBundle[] = [];
      for (const seal of sealsOf(request, events)) {
        bundles.push(judge(seal, seal.problem ? undefined : await store.get(seal.objectKey), request, events));
      }
      try {
        return { chain, bundles, anchor: await anchorOf(request, events) };
      } catch (err) {
        return { chain, bundles, anchor: undefined, anchorError: err instanceof Error ? err.message : String(err) };
      }
    },

    async bundleBytes(request, events, label) {
      const seal = sealsOf(request, events)
        .filter((s) => s.label === label)
        .at(-1);
      if (!seal) return undefined;
      const bytes = seal.problem ? undefined : await store.get(seal.objectKey);
      return { seal: judge(seal, bytes, request, events), bytes };
    },
  };
}

/** One page of a bundle's database records (50 a page), in the bundle's order. */
export function recordPage(records: readonly AuditRecord[], page: number, pageSize = 50): { items: AuditRecord[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(records.length / pageSize));
  const p = Math.min(Math.max(1, page), pages);
  return { items: records.slice((p - 1) * pageSize, p * pageSize), page: p, pages };
}

