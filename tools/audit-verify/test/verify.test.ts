import { createHash } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENESIS_HASH, hashAuditEvent, type AccessRequest, type AuditEvent, type AuditKind } from '@dbre/domain';
import { createFolderEvidenceStore, type FolderEvidenceStore } from '@dbre/drivers';
import { writeAnchor } from '@dbre/evidence';
import { verifyRequests, type VerifyDeps } from '../src/verify';

const OK = '01JAVV00000000000000000001';
const BAD = '01JAVV00000000000000000002';
const CUT = '01JAVV00000000000000000003';

/** A hash-linked chain as the store writes it; `data` per seq overrides the default. */
function chain(requestId: string, kinds: readonly AuditKind[], data: Record<number, Record<string, unknown>> = {}): AuditEvent[] {
  const out: AuditEvent[] = [];
  kinds.forEach((kind, i) => {
    const seq = i + 1;
    const body = { requestId, seq, key: kind, kind, at: new Date(Date.UTC(2026, 11, 2, 5, 0, seq)).toISOString(), data: data[seq] ?? { step: seq }, prevHash: out[i - 1]?.hash ?? GENESIS_HASH };
    out.push({ ...body, hash: hashAuditEvent(body) });
  });
  return out;
}

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('npm run audit:verify', () => {
  let dir: string;
  let store: FolderEvidenceStore;
  let chains: Map<string, AuditEvent[]>;
  let requests: Map<string, AccessRequest>;
  let deps: VerifyDeps;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'audit-verify-'));
    store = createFolderEvidenceStore({ root: dir });
    chains = new Map([[OK, chain(OK, ['requested', 'approved'])]]);
    requests = new Map();
    deps = { chainOf: async (id) => ({ request: requests.get(id), events: chains.get(id) ?? [] }), store, listIds: async () => [...chains.keys()] };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports an intact, complete chain and exits 0', async () => {
    const o = io();
    expect(await verifyRequests(deps, [OK], o.io)).toBe(0);
    expect(o.out[0]).toMatch(new RegExp(`^${OK}: chain intact, 2 events, head [0-9a-f]{64}$`));
    expect(o.out).toContain('  last anchor: none covers this request yet');
    expect(o.out[o.out.length - 1]).toBe('1 requests, 0 with problems; anchors: 0 manifests, 0 anchored heads checked, intact');
  });

  it('says plainly when no evidence store is configured', async () => {
    const o = io();
    expect(await verifyRequests({ chainOf: deps.chainOf }, [OK], o.io)).toBe(0);
    expect(o.out[o.out.length - 1]).toBe('1 requests, 0 with problems; anchors and evidence bundles: NOT CHECKED (no evidence store configured)');
  });

  it('names the first broken link and exits 1', async () => {
    const events = chain(BAD, ['requested', 'approved', 'provisioning_started']);
    chains.set(BAD, events.map((e) => (e.seq === 2 ? { ...e, actor: 'mallory' } : e)));
    const o = io();
    expect(await verifyRequests(deps, [OK, BAD], o.io)).toBe(1);
    expect(o.out).toContainEqual(expect.stringMatching(new RegExp(`^${BAD}: BROKEN at event 2 \\(approved\\): content does not match its hash`)));
    const j = io();
    await verifyRequests(deps, [BAD, '--json'], j.io);
    expect(JSON.parse(j.out[0]!)).toMatchObject({ requestId: BAD, ok: false, chain: { ok: false, brokenAt: { seq: 2, key: 'approved' } } });
  });

  it('reports a chain holding only "expired" as incomplete (it lacks its start)', async () => {
    chains.set(CUT, chain(CUT, ['expired']));
    const o = io();
    expect(await verifyRequests(deps, [CUT], o.io)).toBe(1);
    expect(o.out[0]).toBe(`${CUT}: INCOMPLETE, 1 events: incomplete chain: the chain starts with expired instead of requested; the chain of an expired request lacks requested`);
  });

  it('flags a revoked grant whose chain ends before its head (tail removed) and one without sealed evidence', async () => {
    const full = chain(CUT, ['requested', 'approved', 'provisioning_started', 'user_created', 'activated', 'revoke_started', 'user_dropped', 'revoked']);
    chains.set(CUT, full.slice(0, 7));
    const last = full[full.length - 1]!;
    requests.set(CUT, { state: 'revoked', approvalsRequired: 1, resources: { dbUser: 'jit_dave_x' }, audit: { seq: last.seq, hash: last.hash, keys: [], archived: 0 } } as unknown as AccessRequest);
    const o = io();
    expect(await verifyRequests(deps, [CUT], o.io)).toBe(1);
    expect(o.out[0]).toMatch(new RegExp(`^${CUT}: INCOMPLETE, 7 events: incomplete chain: the chain of a revoked request lacks revoked`));
    chains.set(CUT, full);
    const again = io();
    expect(await verifyRequests(deps, [CUT], again.io)).toBe(1);
    expect(again.out[0]).toMatch(/chain intact, 8 events/);
    expect(again.out[1]).toMatch(/^ {2}evidence: MISSING: the grant ended \(revoked\) but no evidence is sealed in its chain/);
  });

  it('verifies a sealed bundle and detects one altered in the store', async () => {
    const bundle = Buffer.from(JSON.stringify({ format: 'dbre-evidence/1', label: 'revoke', requestId: OK, platform: { events: [] }, database: { counts: { statements: 2 }, warnings: [] } }));
    const sha256 = createHash('sha256').update(bundle).digest('hex');
    const objectKey = `evidence/${OK}/revoke.json`;
    await store.put(objectKey, bundle, { contentType: 'application/json', sha256 });
    chains.set(OK, chain(OK, ['requested', 'denied', 'evidence_sealed'], { 3: { label: 'revoke', objectKey, sha256 } }));
    const o = io();
    expect(await verifyRequests(deps, [OK], o.io)).toBe(0);
    expect(o.out[1]).toBe(`  evidence revoke: verified, 2 statements (${objectKey})`);

    // Someone with file access changes one byte of the stored bundle.
    const path = join(dir, 'evidence', OK, 'revoke.json');
    await chmod(path, 0o644);
    await writeFile(path, bundle.toString('utf8').replace('"statements":2', '"statements":1'));
    const t = io();
    expect(await verifyRequests(deps, [OK], t.io)).toBe(1);
    expect(t.out[1]).toMatch(new RegExp(`^ {2}evidence revoke: FAILED: the bundle's SHA-256 [0-9a-f]{64} is not the sealed ${sha256}`));
    await rm(path);
    const gone = io();
    expect(await verifyRequests(deps, [OK], gone.io)).toBe(1);
    expect(gone.out[1]).toBe(`  evidence revoke: FAILED: the bundle is not in the evidence store (${objectKey})`);
  });

  it('detects a consistently re-hashed rewrite of an anchored chain, and prints the last anchor', async () => {
    const original = chain(BAD, ['requested', 'approved', 'provisioning_started']);
    chains.set(BAD, original);
    await writeAnchor(store, { [BAD]: { seq: 2, hash: original[1]!.hash } }, new Date('2026-12-02T05:10:00.000Z'));
    const before = io();
    expect(await verifyRequests(deps, [BAD], before.io)).toBe(0);
    expect(before.out).toContain('  last anchor: anchors/000000000001.json (#1, 2026-12-02T05:10:00.000Z) covers event 2');

    // The approval's data is rewritten and every hash after it recomputed: the links verify again.
    chains.set(BAD, chain(BAD, ['requested', 'approved', 'provisioning_started'], { 2: { by: 'mallory' } }));
    const after = io();
    expect(await verifyRequests(deps, [BAD], after.io)).toBe(1);
    expect(after.out[0]).toMatch(/chain intact, 3 events/);
    expect(after.out[1]).toMatch(new RegExp(`^ {2}anchor: FAILED: chain_rewritten: event 2 of ${BAD} has hash [0-9a-f]{64}, anchored as ${original[1]!.hash}`));
  });

  it('counts an anchored chain deleted from the store against --all, and treats usage errors as 2', async () => {
    chains.set(CUT, chain(CUT, ['requested']));
    await writeAnchor(store, { [CUT]: { seq: 1, hash: chains.get(CUT)![0]!.hash } }, new Date('2026-12-02T05:10:00.000Z'));
    chains.delete(CUT);
    const o = io();
    expect(await verifyRequests(deps, ['--all'], o.io)).toBe(1);
    expect(o.out[o.out.length - 1]).toMatch(new RegExp(`1 PROBLEMS: chain_missing ${CUT} anchors/000000000001.json`));
    const u = io();
    expect(await verifyRequests(deps, [], u.io)).toBe(2);
    expect(u.err[0]).toMatch(/^usage/);
    expect(await verifyRequests(deps, [OK, '--bogus'], u.io)).toBe(2);
  });
});
