import { verifyRequestChain, type AccessRequest, type AuditEvent } from '@dbre/domain';
import type { EvidenceStore } from '@dbre/drivers';
import { readAnchorManifests, verifyAnchors, verifyBundle, type AnchorManifest, type ChainHead } from '@dbre/evidence';

export interface VerifyIo {
  out(line: string): void;
  err(line: string): void;
}

export interface VerifyDeps {
  /** A request and its chain, events sorted by seq (request undefined when only events exist). */
  chainOf(id: string): Promise<{ request: AccessRequest | undefined; events: AuditEvent[] }>;
  /** The evidence store; absent: bundles and anchors are not checked, and the output says so. */
  store?: EvidenceStore;
  /** Every request id (for --all). */
  listIds?(): Promise<string[]>;
}

/** A finished grant that had a database user must have its `revoke` bundle sealed. */
function needsEvidence(request: AccessRequest | undefined): boolean {
  return !!request && (request.state === 'revoked' || request.state === 'failed') && request.resources.dbUser !== undefined;
}

interface RequestResult {
  requestId: string;
  ok: boolean;
  chain: ReturnType<typeof verifyRequestChain> | { ok: false; count: 0; problem: string };
  evidence: Array<{ label: string; objectKey: string; ok: boolean; problem?: string; statements?: number; warnings?: string[] }>;
  evidenceMissing?: string;
  lastAnchor?: { key: string; sequence: number; createdAt: string; head: ChainHead };
  anchorProblems: string[];
}

const USAGE = [
  'usage: npm run audit:verify -- <requestId> [<requestId> ...] [--json]',
  '       npm run audit:verify -- --all [--json]',
  '  checks each chain (links and completeness), every sealed evidence bundle against the store, and the anchors',
  '  env: DYNAMO_ENDPOINT, AWS_REGION, TABLE_PREFIX; evidence store: DRIVER_EVIDENCE|DRIVERS, EVIDENCE_DIR or EVIDENCE_BUCKET/EVIDENCE_PREFIX',
];

/**
 * Verifies each request: its chain (verifyRequestChain), each `evidence_sealed` bundle
 * (verifyBundle against the store, with the chain's events), a missing bundle of a finished grant,
 * and once the anchor manifests against the chains (verifyAnchors). Prints one block per request
 * (or JSON lines) and returns the exit code: 0 all verified, 1 any problem, 2 bad usage.
 */
export async function verifyRequests(deps: VerifyDeps, args: readonly string[], io: VerifyIo): Promise<number> {
  const json = args.includes('--json');
  const all = args.includes('--all');
  const unknown = args.filter((a) => a.startsWith('--') && !['--json', '--all'].includes(a));
  let ids = args.filter((a) => !a.startsWith('--'));
  if (args.includes('--help') || unknown.length || (ids.length === 0 && !all) || (all && !deps.listIds)) {
    if (unknown.length && !args.includes('--help')) io.err(`unknown option ${unknown.join(', ')}`);
    for (const line of USAGE) io.err(line);
    return 2;
  }
  if (all) ids = [...new Set([...ids, ...(await deps.listIds!())])];

  const chains = new Map<string, { request: AccessRequest | undefined; events: AuditEvent[] }>();
  const chainOf = async (id: string) => {
    let c = chains.get(id);
    if (!c) {
      c = await deps.chainOf(id);
      chains.set(id, c);
    }
    return c;
  };

  const results: RequestResult[] = [];
  for (const id of ids) {
    const { request, events } = await chainOf(id);
    let chain: RequestResult['chain'] = events.length === 0 ? { ok: false, count: 0, problem: 'no audit events (unknown request id?)' } : verifyRequestChain(events, request ? { state: request.state, approvalsRequired: request.approvalsRequired } : {});
    // The head kept on the request shows events removed from the end of the chain.
    const head = request?.audit;
    const last = events[events.length - 1];
    if (chain.ok && head && last && (head.seq !== last.seq || head.hash !== last.hash)) {
      chain = { ok: false, count: events.length, brokenAt: { seq: Math.min(head.seq, last.seq + 1) }, problem: `the request's chain head is event ${head.seq} but the chain ends at event ${last.seq} (events were removed or replaced)` };
    }
    const result: RequestResult = { requestId: id, ok: chain.ok, chain, evidence: [], anchorProblems: [] };
    const sealed = events.filter((e) => e.kind === 'evidence_sealed');
    if (deps.store) {
      for (const e of sealed) {
        const label = String(e.data?.['label']);
        const objectKey = String(e.data?.['objectKey']);
        const bytes = await deps.store.get(objectKey).catch(() => undefined);
        if (!bytes) {
          result.evidence.push({ label, objectKey, ok: false, problem: 'the bundle is not in the evidence store' });
          continue;
        }
        const check = verifyBundle(bytes, String(e.data?.['sha256']), { events });
        if (check.ok && check.document.requestId !== id) result.evidence.push({ label, objectKey, ok: false, problem: `the bundle is request ${check.document.requestId}'s` });
        else if (check.ok) result.evidence.push({ label, objectKey, ok: true, statements: check.document.database?.counts.statements ?? 0, warnings: check.document.database?.warnings ?? [] });
        else result.evidence.push({ label, objectKey, ok: false, problem: check.problem });
      }
    }
    if (needsEvidence(request) && !sealed.some((e) => e.key === 'evidence_sealed:revoke')) {
      result.evidenceMissing = `the grant ended (${request!.state}) but no evidence is sealed in its chain (the sweep seals it; if the grant ended just now, run again later)`;
    }
    if (result.evidence.some((e) => !e.ok) || result.evidenceMissing) result.ok = false;
    results.push(result);
  }

  // Anchors: every anchored chain is compared, so the current heads of all of them are read.
  let anchorSummary: string;
  let anchorsOk = true;
  if (deps.store) {
    const manifests = await readAnchorManifests(deps.store);
    const anchoredIds = new Set<string>();
    for (const m of manifests) {
      try {
        for (const id of Object.keys((JSON.parse(m.bytes.toString('utf8')) as AnchorManifest).heads ?? {})) anchoredIds.add(id);
      } catch {
        // verifyAnchors reports the unreadable manifest.
      }
    }
    const heads = new Map<string, ChainHead>();
    for (const id of anchoredIds) {
      const { events } = await chainOf(id);
      const last = events[events.length - 1];
      if (last) heads.set(id, { seq: last.seq, hash: last.hash });
    }
    const eventHash = (id: string, seq: number) => chains.get(id)?.events.find((e) => e.seq === seq)?.hash;
    const anchors = verifyAnchors(manifests, heads, eventHash);
    const shown = new Set(ids);
    for (const p of anchors.problems) {
      if (!('requestId' in p)) {
        anchorsOk = false;
        continue;
      }
      const r = results.find((x) => x.requestId === p.requestId);
      if (r) {
        r.anchorProblems.push(`${p.kind}: ${p.detail} (${p.key})`);
        r.ok = false;
      } else if (!shown.has(p.requestId)) {
        // A chain not asked about: still a problem of the store as a whole.
        anchorsOk = false;
      }
    }
    for (const r of results) {
      const coverage = anchors.lastAnchor[r.requestId];
      if (coverage) r.lastAnchor = coverage;
    }
    const manifestProblems = anchors.problems.filter((p) => !('requestId' in p) || !shown.has(p.requestId));
    anchorSummary = `anchors: ${anchors.manifests} manifests, ${anchors.checked} anchored heads checked${anchors.unchecked.length ? `, ${anchors.unchecked.length} not checkable` : ''}${manifestProblems.length ? `; ${manifestProblems.length} PROBLEMS: ${manifestProblems.map((p) => `${p.kind} ${'requestId' in p ? p.requestId : ''} ${p.key}: ${p.detail}`).join('; ')}` : ', intact'}`;
  } else {
    anchorSummary = 'anchors and evidence bundles: NOT CHECKED (no evidence store configured)';
  }

  for (const r of results) {
    if (json) {
      io.out(JSON.stringify(r));
      continue;
    }
    const c = r.chain;
    if (c.ok) io.out(`${r.requestId}: chain intact, ${c.count} events, head ${c.headHash}`);
    else if (c.count === 0) io.out(`${r.requestId}: ${c.problem}`);
    else if ('incomplete' in c) io.out(`${r.requestId}: INCOMPLETE, ${c.count} events: ${c.problem}`);
    else if ('brokenAt' in c) io.out(`${r.requestId}: BROKEN at event ${c.brokenAt.seq}${c.brokenAt.key ? ` (${c.brokenAt.key})` : ''}: ${c.problem}`);
    for (const e of r.evidence) {
      io.out(e.ok ? `  evidence ${e.label}: verified, ${e.statements} statements (${e.objectKey})${e.warnings?.length ? `; warnings: ${e.warnings.join('; ')}` : ''}` : `  evidence ${e.label}: FAILED: ${e.problem} (${e.objectKey})`);
    }
    if (r.evidenceMissing) io.out(`  evidence: MISSING: ${r.evidenceMissing}`);
    for (const p of r.anchorProblems) io.out(`  anchor: FAILED: ${p}`);
    if (deps.store) io.out(r.lastAnchor ? `  last anchor: ${r.lastAnchor.key} (#${r.lastAnchor.sequence}, ${r.lastAnchor.createdAt}) covers event ${r.lastAnchor.head.seq}` : '  last anchor: none covers this request yet');
  }
  const failed = results.filter((r) => !r.ok).length;
  if (json) io.out(JSON.stringify({ summary: { requests: results.length, failed, anchorsOk, anchors: anchorSummary } }));
  else io.out(`${results.length} requests, ${failed} with problems; ${anchorSummary}`);
  return failed > 0 || !anchorsOk ? 1 : 0;
}
