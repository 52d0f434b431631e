import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENESIS_HASH, type AuditEvent } from '@dbre/domain';
import { createFolderEvidenceStore, type FolderEvidenceStore } from '@dbre/drivers';
import { readAnchorManifests, verifyAnchors, writeAnchor, type ChainHead } from '../src';
import { chainOf, rewriteConsistently } from './fixtures';

const A = '01JANC00000000000000000001';
const B = '01JANC00000000000000000002';
const head = (events: readonly AuditEvent[]): ChainHead => ({ seq: events[events.length - 1]!.seq, hash: events[events.length - 1]!.hash });
const heads = (chains: Record<string, readonly AuditEvent[]>) => new Map(Object.entries(chains).map(([id, ev]) => [id, head(ev)]));
const hashAt = (chains: Record<string, readonly AuditEvent[]>) => (id: string, seq: number) => chains[id]?.find((e) => e.seq === seq)?.hash;

describe('anchor manifests', () => {
  let dir: string;
  let store: FolderEvidenceStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'anchors-'));
    store = createFolderEvidenceStore({ root: dir });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('chains each manifest to the previous one and writes only changed heads', async () => {
    const a = chainOf(A, ['requested', 'approved']);
    const b = chainOf(B, ['requested']);
    const first = await writeAnchor(store, { [A]: head(a), [B]: head(b) }, new Date('2026-12-02T05:00:00.000Z'));
    expect(first).toMatchObject({ key: 'anchors/000000000001.json', sequence: 1, heads: 2 });
    // Nothing changed: no manifest.
    await expect(writeAnchor(store, { [A]: head(a), [B]: head(b) }, new Date('2026-12-02T06:00:00.000Z'))).resolves.toBeUndefined();
    const a2 = chainOf(A, ['requested', 'approved', 'provisioning_started']);
    const second = await writeAnchor(store, { [A]: head(a2), [B]: head(b) }, new Date('2026-12-02T07:00:00.000Z'));
    expect(second).toMatchObject({ key: 'anchors/000000000002.json', sequence: 2, heads: 1 });

    const manifests = await readAnchorManifests(store);
    const m1 = JSON.parse(manifests[0]!.bytes.toString('utf8'));
    const m2 = JSON.parse(manifests[1]!.bytes.toString('utf8'));
    expect(m1).toEqual({ format: 'dbre-anchor/1', sequence: 1, createdAt: '2026-12-02T05:00:00.000Z', previousHash: GENESIS_HASH, heads: { [A]: { seq: 2, hash: a[1]!.hash }, [B]: { seq: 1, hash: b[0]!.hash } } });
    expect(m2).toEqual({ format: 'dbre-anchor/1', sequence: 2, createdAt: '2026-12-02T07:00:00.000Z', previousHash: first!.sha256, heads: { [A]: { seq: 3, hash: a2[2]!.hash } } });

    const chains = { [A]: a2, [B]: b };
    expect(verifyAnchors(manifests, heads(chains), hashAt(chains))).toEqual({
      ok: true,
      manifests: 2,
      checked: 3,
      unchecked: [],
      problems: [],
      lastAnchor: {
        [A]: { key: 'anchors/000000000002.json', sequence: 2, createdAt: '2026-12-02T07:00:00.000Z', head: { seq: 3, hash: a2[2]!.hash } },
        [B]: { key: 'anchors/000000000001.json', sequence: 1, createdAt: '2026-12-02T05:00:00.000Z', head: { seq: 1, hash: b[0]!.hash } },
      },
    });
  });

  it('detects a history rewritten in the store, even re-hashed consistently', async () => {
    const a = chainOf(A, ['requested', 'approved', 'provisioning_started', 'user_created', 'activated']);
    await writeAnchor(store, { [A]: head(a) }, new Date('2026-12-02T05:00:00.000Z'));
    const rewritten = rewriteConsistently(a, 2, { by: 'mallory@example.com' });
    const result = verifyAnchors(await readAnchorManifests(store), heads({ [A]: rewritten }));
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      { kind: 'chain_rewritten', requestId: A, key: 'anchors/000000000001.json', anchored: { seq: 5, hash: a[4]!.hash }, current: { seq: 5, hash: rewritten[4]!.hash }, detail: `event 5 of ${A} has hash ${rewritten[4]!.hash}, anchored as ${a[4]!.hash}: its history was rewritten` },
    ]);
  });

  it('checks an anchored seq below the current head through the stored event hashes', async () => {
    const a = chainOf(A, ['requested', 'approved']);
    await writeAnchor(store, { [A]: head(a) }, new Date('2026-12-02T05:00:00.000Z'));
    // The chain grew, then its first two events were rewritten and everything re-hashed.
    const grown = rewriteConsistently(chainOf(A, ['requested', 'approved', 'denied']), 1, { forged: true });
    const manifests = await readAnchorManifests(store);
    expect(verifyAnchors(manifests, heads({ [A]: grown })).unchecked).toEqual([{ requestId: A, seq: 2 }]);
    expect(verifyAnchors(manifests, heads({ [A]: grown }), hashAt({ [A]: grown })).problems.map((p) => p.kind)).toEqual(['chain_rewritten']);
    // An honest growth verifies.
    const honest = chainOf(A, ['requested', 'approved', 'denied']);
    expect(verifyAnchors(manifests, heads({ [A]: honest }), hashAt({ [A]: honest }))).toMatchObject({ ok: true, checked: 1 });
  });

  it('detects a truncated or deleted chain and a removed or altered manifest', async () => {
    const a = chainOf(A, ['requested', 'approved', 'denied']);
    const b = chainOf(B, ['requested']);
    await writeAnchor(store, { [A]: head(a) }, new Date('2026-12-02T05:00:00.000Z'));
    await writeAnchor(store, { [B]: head(b) }, new Date('2026-12-02T06:00:00.000Z'));
    await writeAnchor(store, { [B]: head(chainOf(B, ['requested', 'expired'])) }, new Date('2026-12-02T07:00:00.000Z'));
    const manifests = await readAnchorManifests(store);

    const truncated = verifyAnchors(manifests, heads({ [A]: a.slice(0, 2), [B]: chainOf(B, ['requested', 'expired']) }));
    expect(truncated.problems.map((p) => [p.kind, 'requestId' in p ? p.requestId : p.key])).toEqual([['chain_truncated', A]]);
    const deleted = verifyAnchors(manifests, heads({ [B]: chainOf(B, ['requested', 'expired']) }));
    expect(deleted.problems.map((p) => p.kind)).toEqual(['chain_missing']);

    const chains = heads({ [A]: a, [B]: chainOf(B, ['requested', 'expired']) });
    const withoutSecond = [manifests[0]!, manifests[2]!];
    expect(verifyAnchors(withoutSecond, chains, hashAt({ [B]: chainOf(B, ['requested', 'expired']) })).problems.map((p) => [p.kind, 'key' in p ? p.key : ''])).toEqual([
      ['manifest_missing', 'anchors/000000000003.json'],
      ['manifest_altered', 'anchors/000000000003.json'],
    ]);
    const altered = manifests.map((m, i) => (i === 1 ? { key: m.key, bytes: Buffer.from(m.bytes.toString('utf8').replace('"seq":1', '"seq":0')) } : m));
    // The next manifest's link no longer matches the altered one.
    expect(verifyAnchors(altered, chains).problems.map((p) => [p.kind, 'key' in p ? p.key : ''])).toEqual([['manifest_altered', 'anchors/000000000003.json']]);
  });
});
