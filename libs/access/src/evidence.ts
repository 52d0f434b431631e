import { createHash } from 'node:crypto';
import { REQUEST_STATES, TERMINAL_STATES, type AccessRequest, type AuditEvent, type RequestState } from '@dbre/domain';
import type { EvidenceStore } from '@dbre/drivers';
import {
  ANCHOR_PREFIX,
  collectEvidence,
  EvidenceError,
  evidenceKey,
  evidenceSealedEvent,
  latestAnchor,
  verifyBundle,
  writeAnchor,
  type AnchorManifest,
  type ChainHead,
  type CollectedEvidence,
  type EvidenceLabel,
} from '@dbre/evidence';
import { ACCESS_JOB_IDS, enqueue } from '@dbre/queue';
import type { Logger } from '@dbre/service-kit';
import { clockOf, type EvidenceDeps, type WorkerDeps } from './deps';

/** The seal's audit key per label (evidenceSealedEvent writes the same). */
export const sealKey = (label: EvidenceLabel) => `evidence_sealed:${label}`;

/** Grants that had a database user and ended: what the database log says that user did is evidence. */
export function needsEvidence(r: AccessRequest): boolean {
  return (r.state === 'revoked' || r.state === 'failed') && r.resources.dbUser !== undefined;
}

/** When the grant ended: revokedAt, or the last write of a failed request. */
const endedAt = (r: AccessRequest) => Date.parse(r.revokedAt ?? r.updatedAt);

/** Requests re-listed for anchoring before the last anchor's time: writes in flight then, seals that keep updatedAt. */
export const ANCHOR_OVERLAP_MS = 10 * 60_000;
const DEFAULT_LOOKBACK_MS = 7 * 24 * 3_600_000;

export type SealOutcome = 'sealed' | 'already sealed' | 'not applicable' | 'conflict';

/**
 * Evidence steps of the lifecycle: collect a finished grant's bundle, store it write-once and
 * append `evidence_sealed` to its chain (one conditional write); anchor the chain heads.
 */
/** The request and its whole chain as the caller's own write stored them: the seal then reads nothing. */
export interface KnownChain {
  request: AccessRequest;
  events: readonly AuditEvent[];
}

export function createEvidenceSteps(deps: WorkerDeps, evidence: EvidenceDeps, actor: string) {
  const clock = clockOf(deps);

  /**
   * The bundle another attempt stored under the key, when it belongs to this chain: a crash between
   * the put and the seal, after which late log delivery or a changed setting makes a fresh bundle
   * differ. Sealed as stored (the `final` bundle holds the late records); anything else is refused.
   */
  async function storedBundleOf(request: AccessRequest, label: EvidenceLabel, events: readonly AuditEvent[]): Promise<CollectedEvidence | undefined> {
    const key = evidenceKey(request.id, label);
    const bytes = await evidence.store.get(key);
    if (!bytes) return undefined;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const check = verifyBundle(bytes, sha256, { events });
    if (!check.ok || check.document.requestId !== request.id || check.document.label !== label || check.document.platform.events.length === 0) return undefined;
    const db = check.document.database;
    return { key, sha256, label, written: false, records: db?.records.length ?? 0, statements: db?.counts.statements ?? 0, source: db?.source ?? null, warnings: db?.warnings ?? [], bytes: bytes.length };
  }

  /** Collects and seals one bundle; idempotent (a seal already in the chain is not collected again). */
  async function seal(requestId: string, label: EvidenceLabel, logger: Logger, known?: KnownChain): Promise<SealOutcome> {
    const { request, events } = known?.request.id === requestId ? known : await deps.requests.auditEvents(requestId);
    if (!request || !needsEvidence(request)) return 'not applicable';
    if (request.audit?.keys.includes(sealKey(label))) return 'already sealed';
    const bastionId = request.resources.bastionId;
    const sessions = evidence.sessions;
    const logging = await evidence.clusterAuditLogging?.(request.target.clusterId);
    let collected: CollectedEvidence;
    try {
      collected = await collectEvidence({
        request,
        events,
        auditSource: evidence.auditSource,
        evidenceStore: evidence.store,
        label,
        ...(sessions && bastionId ? { sessions: () => sessions(bastionId, request.target.clusterId) } : {}),
        ...(logging ? { clusterAuditLogging: logging } : {}),
      });
    } catch (err) {
      if (!(err instanceof EvidenceError) || err.code !== 'EVIDENCE_CONFLICT') throw err;
      const stored = await storedBundleOf(request, label, events);
      if (!stored) {
        logger.error({ alert: 'EVIDENCE_CONFLICT', requestId, label, err: { message: err.message } }, 'evidence conflict: the stored bundle is not this chain’s; nothing sealed, investigate');
        return 'conflict';
      }
      logger.warn({ requestId, label, sha256: stored.sha256, detail: err.message }, 'sealing the bundle an earlier attempt stored (a fresh read differs: late log delivery or a changed setting)');
      collected = stored;
    }
    const key = sealKey(label);
    const done = await deps.requests.update(request, (current) => (current.audit?.keys.includes(key) ? undefined : { audit: [{ ...evidenceSealedEvent(collected), actor }] }), clock);
    if (collected.warnings.length) logger.warn({ requestId, label, warnings: collected.warnings }, 'evidence sealed with warnings: the database records may be incomplete');
    logger.info({ requestId, label, key: collected.key, sha256: collected.sha256, records: collected.records, statements: collected.statements }, 'evidence sealed');
    return done.changed ? 'sealed' : 'already sealed';
  }

  /** seal() for the lifecycle: a failure is logged and left to the sweep, never undoes what came before. */
  async function sealQuietly(requestId: string, label: EvidenceLabel, logger: Logger, known?: KnownChain): Promise<SealOutcome | 'failed'> {
    try {
      return await seal(requestId, label, logger, known);
    } catch (err) {
      logger.warn({ requestId, label, err: { message: (err as Error).message } }, 'evidence not sealed now; the sweep retries');
      return 'failed';
    }
  }

  /**
   * The seal after a revoke: a job of the seal queue when there is one, so a burst of revokes is not
   * held up by their seals (a failed enqueue is logged and left to the sweep); without it, sealQuietly.
   */
  async function sealAfterRevoke(request: AccessRequest, logger: Logger, known?: KnownChain): Promise<SealOutcome | 'failed' | 'queued'> {
    const queue = deps.queues.seal;
    if (!queue) return sealQuietly(request.id, 'revoke', logger, known);
    if (!needsEvidence(request)) return 'not applicable';
    try {
      await enqueue(queue, { requestId: request.id, label: 'revoke' }, { jobId: ACCESS_JOB_IDS.seal(request.id, 'revoke') });
      return 'queued';
    } catch (err) {
      logger.warn({ requestId: request.id, label: 'revoke', err: { message: (err as Error).message } }, 'evidence seal not queued; the sweep seals it');
      return 'failed';
    }
  }

  /** Whether a seal job for this bundle is still to run: the sweep leaves it to the job. */
  async function sealQueued(requestId: string, label: EvidenceLabel): Promise<boolean> {
    const job = await deps.queues.seal?.getJob(ACCESS_JOB_IDS.seal(requestId, label));
    if (!job) return false;
    return ['waiting', 'active', 'delayed', 'prioritized'].includes(await job.getState());
  }

  async function all(state: RequestState, updatedAfter?: Date): Promise<AccessRequest[]> {
    const out: AccessRequest[] = [];
    let cursor: string | undefined;
    do {
      const page = await deps.requests.listByState(state, { ...(cursor ? { cursor } : {}), ...(updatedAfter ? { updatedAfter } : {}) });
      out.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    return out;
  }

  /** Ended grants (within the lookback) still missing their `revoke` bundle, or past the settle time without `final`. */
  async function missing(now: Date): Promise<Array<{ id: string; label: EvidenceLabel }>> {
    const since = new Date(now.getTime() - (evidence.lookbackMs ?? DEFAULT_LOOKBACK_MS));
    const out: Array<{ id: string; label: EvidenceLabel }> = [];
    for (const state of ['revoked', 'failed'] as const) {
      for (const r of await all(state, since)) {
        if (!needsEvidence(r)) continue;
        const keys = r.audit?.keys ?? [];
        if (!keys.includes(sealKey('revoke'))) out.push({ id: r.id, label: 'revoke' });
        else if (!keys.includes(sealKey('final')) && endedAt(r) + evidence.settleMs <= now.getTime()) out.push({ id: r.id, label: 'final' });
      }
    }
    return out;
  }

  /** The heads anchored by manifests written since `sinceMs` (newest first until older). */
  async function recentlyAnchored(store: EvidenceStore, sinceMs: number): Promise<Map<string, ChainHead[]>> {
    const keys = (await store.list(ANCHOR_PREFIX)).filter((k) => /^anchors\/\d{12}\.json$/.test(k));
    const out = new Map<string, ChainHead[]>();
    for (const key of [...keys].reverse()) {
      const bytes = await store.get(key);
      if (!bytes) continue;
      const manifest = JSON.parse(bytes.toString('utf8')) as AnchorManifest;
      for (const [id, head] of Object.entries(manifest.heads)) out.set(id, [...(out.get(id) ?? []), head]);
      if (Date.parse(manifest.createdAt) < sinceMs) break;
    }
    return out;
  }

  /**
   * Writes the next anchor manifest with every chain head changed since the last one: requests
   * updated since (less an overlap), every live request, and `touched` (chains this sweep appended
   * to without a transition). Heads the recent manifests hold unchanged are left out.
   */
  async function anchor(now: Date, touched: Iterable<string>): Promise<{ key: string; heads: number } | undefined> {
    const latest = await latestAnchor(evidence.store);
    const since = latest ? Date.parse(latest.manifest.createdAt) - ANCHOR_OVERLAP_MS : undefined;
    const heads: Record<string, ChainHead> = {};
    const add = (r: AccessRequest | undefined) => {
      if (r?.audit && r.audit.seq > 0) heads[r.id] = { seq: r.audit.seq, hash: r.audit.hash };
    };
    for (const state of REQUEST_STATES) {
      const terminal = TERMINAL_STATES.includes(state);
      for (const r of await all(state, terminal && since !== undefined ? new Date(since) : undefined)) add(r);
    }
    for (const id of touched) add(await deps.requests.get(id));
    if (since !== undefined) {
      const anchored = await recentlyAnchored(evidence.store, since);
      for (const [id, h] of Object.entries(heads)) {
        if (anchored.get(id)?.some((a) => a.seq === h.seq && a.hash === h.hash)) delete heads[id];
      }
    }
    const written = await writeAnchor(evidence.store, heads, now);
    return written ? { key: written.key, heads: written.heads } : undefined;
  }

  return { seal, sealQuietly, sealAfterRevoke, sealQueued, missing, anchor };
}

export type EvidenceSteps = ReturnType<typeof createEvidenceSteps>;
