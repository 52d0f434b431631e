import { createHash } from 'node:crypto';
import { canonicalJson, GENESIS_HASH } from '@dbre/domain';
import { EvidenceExistsError, type EvidenceStore } from '@dbre/drivers';

export const ANCHOR_FORMAT = 'dbre-anchor/1';
export const ANCHOR_PREFIX = 'anchors/';

export interface ChainHead {
  seq: number;
  hash: string;
}

/** A manifest of chain heads, chained to the previous manifest by its SHA-256. */
export interface AnchorManifest {
  format: typeof ANCHOR_FORMAT;
  sequence: number;
  createdAt: string;
  /** SHA-256 of the previous manifest's bytes (GENESIS_HASH for the first). */
  previousHash: string;
  heads: Record<string, ChainHead>;
}

export interface StoredManifest {
  key: string;
  bytes: Buffer;
}

export function anchorKey(sequence: number): string {
  return `${ANCHOR_PREFIX}${String(sequence).padStart(12, '0')}.json`;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The next manifest (pure): canonical JSON bytes, its hash and where it goes. */
export function buildAnchorManifest(input: { previous?: { sequence: number; sha256: string }; heads: Record<string, ChainHead>; at: Date }): {
  manifest: AnchorManifest;
  bytes: Buffer;
  sha256: string;
  key: string;
} {
  const manifest: AnchorManifest = {
    format: ANCHOR_FORMAT,
    sequence: (input.previous?.sequence ?? 0) + 1,
    createdAt: input.at.toISOString(),
    previousHash: input.previous?.sha256 ?? GENESIS_HASH,
    heads: Object.fromEntries(Object.entries(input.heads).map(([id, h]) => [id, { seq: h.seq, hash: h.hash }])),
  };
  const bytes = Buffer.from(canonicalJson(manifest), 'utf8');
  return { manifest, bytes, sha256: sha256(bytes), key: anchorKey(manifest.sequence) };
}

/** Every manifest in the store, oldest first. */
export async function readAnchorManifests(store: EvidenceStore): Promise<StoredManifest[]> {
  const keys = (await store.list(ANCHOR_PREFIX)).filter((k) => /^anchors\/\d{12}\.json$/.test(k));
  const out: StoredManifest[] = [];
  for (const key of keys) {
    const bytes = await store.get(key);
    if (bytes) out.push({ key, bytes });
  }
  return out;
}

/** The newest manifest (for the next one's link and for "heads changed since"). */
export async function latestAnchor(store: EvidenceStore): Promise<{ key: string; sha256: string; manifest: AnchorManifest } | undefined> {
  const keys = (await store.list(ANCHOR_PREFIX)).filter((k) => /^anchors\/\d{12}\.json$/.test(k));
  const key = keys[keys.length - 1];
  if (!key) return undefined;
  const bytes = await store.get(key);
  if (!bytes) return undefined;
  return { key, sha256: sha256(bytes), manifest: JSON.parse(bytes.toString('utf8')) as AnchorManifest };
}

/**
 * Writes the next manifest with the given heads (those changed since the last anchor; heads the
 * latest manifest already holds unchanged are dropped). Write-once: when another writer took the
 * sequence first, re-reads and links to theirs. Returns undefined when nothing changed.
 */
export async function writeAnchor(store: EvidenceStore, heads: Record<string, ChainHead>, now: Date): Promise<{ key: string; sha256: string; sequence: number; heads: number } | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const latest = await latestAnchor(store);
    const changed = Object.fromEntries(
      Object.entries(heads).filter(([id, h]) => {
        const known = latest?.manifest.heads[id];
        return !known || known.seq !== h.seq || known.hash !== h.hash;
      }),
    );
    if (Object.keys(changed).length === 0) return undefined;
    const next = buildAnchorManifest({ ...(latest ? { previous: { sequence: latest.manifest.sequence, sha256: latest.sha256 } } : {}), heads: changed, at: now });
    try {
      await store.put(next.key, next.bytes, { contentType: 'application/json', sha256: next.sha256 });
      return { key: next.key, sha256: next.sha256, sequence: next.manifest.sequence, heads: Object.keys(changed).length };
    } catch (err) {
      if (!(err instanceof EvidenceExistsError)) throw err;
    }
  }
  throw new Error('could not write an anchor manifest: other writers kept taking the next sequence');
}

export type AnchorProblem =
  | { kind: 'manifest_altered' | 'manifest_missing' | 'manifest_unreadable'; key: string; detail: string }
  | { kind: 'chain_missing' | 'chain_truncated' | 'chain_rewritten'; requestId: string; key: string; anchored: ChainHead; current?: ChainHead; detail: string };

export interface AnchorCoverage {
  key: string;
  sequence: number;
  createdAt: string;
  head: ChainHead;
}

export interface AnchorVerification {
  ok: boolean;
  manifests: number;
  /** Anchored (request, seq) pairs compared with the store. */
  checked: number;
  /** Anchored heads behind the current head whose event hash was not supplied. */
  unchecked: Array<{ requestId: string; seq: number }>;
  problems: AnchorProblem[];
  /** The last anchor covering each request (dashboard, audit:verify). */
  lastAnchor: Record<string, AnchorCoverage>;
}

/**
 * Compares the store's chains with the anchors: the manifests must form an unbroken chain of
 * hashes, and every anchored head must still be in its chain with the same hash. A history
 * rewritten in the store (even re-hashed consistently) changes the hash at an anchored seq.
 * `eventHash(requestId, seq)` gives the stored event hash at a seq below the current head.
 */
export function verifyAnchors(
  manifests: readonly StoredManifest[],
  currentHeads: ReadonlyMap<string, ChainHead>,
  eventHash?: (requestId: string, seq: number) => string | undefined,
): AnchorVerification {
  const problems: AnchorProblem[] = [];
  const unchecked: Array<{ requestId: string; seq: number }> = [];
  const lastAnchor: Record<string, AnchorCoverage> = {};
  let checked = 0;
  let previousHash = GENESIS_HASH;
  const sorted = [...manifests].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  sorted.forEach((stored, index) => {
    let manifest: AnchorManifest;
    try {
      manifest = JSON.parse(stored.bytes.toString('utf8')) as AnchorManifest;
    } catch {
      problems.push({ kind: 'manifest_unreadable', key: stored.key, detail: 'not JSON' });
      previousHash = sha256(stored.bytes);
      return;
    }
    if (manifest.sequence !== index + 1 || stored.key !== anchorKey(manifest.sequence)) {
      problems.push({ kind: 'manifest_missing', key: stored.key, detail: `expected manifest ${index + 1} here, found ${manifest.sequence}` });
    }
    if (manifest.previousHash !== previousHash) {
      problems.push({ kind: 'manifest_altered', key: stored.key, detail: 'its previousHash does not match the previous manifest (a manifest was changed, removed or inserted)' });
    }
    if (canonicalJson(manifest) !== stored.bytes.toString('utf8')) {
      problems.push({ kind: 'manifest_altered', key: stored.key, detail: 'its bytes are not the canonical form of its content' });
    }
    previousHash = sha256(stored.bytes);
    for (const [requestId, anchored] of Object.entries(manifest.heads ?? {})) {
      lastAnchor[requestId] = { key: stored.key, sequence: manifest.sequence, createdAt: manifest.createdAt, head: anchored };
      const current = currentHeads.get(requestId);
      const base = { requestId, key: stored.key, anchored };
      if (!current) {
        problems.push({ kind: 'chain_missing', ...base, detail: `the anchored chain of ${requestId} is no longer in the store` });
        continue;
      }
      if (current.seq < anchored.seq) {
        problems.push({ kind: 'chain_truncated', ...base, current, detail: `anchored at seq ${anchored.seq}, the chain now ends at ${current.seq}` });
        continue;
      }
      const hashThen = current.seq === anchored.seq ? current.hash : eventHash?.(requestId, anchored.seq);
      if (hashThen === undefined) {
        unchecked.push({ requestId, seq: anchored.seq });
        continue;
      }
      checked++;
      if (hashThen !== anchored.hash) {
        problems.push({ kind: 'chain_rewritten', ...base, current, detail: `event ${anchored.seq} of ${requestId} has hash ${hashThen}, anchored as ${anchored.hash}: its history was rewritten` });
      }
    }
  });
  return { ok: problems.length === 0, manifests: sorted.length, checked, unchecked, problems, lastAnchor };
}
