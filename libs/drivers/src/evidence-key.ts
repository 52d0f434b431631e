/** Thrown by `EvidenceStore.put` when the key is taken: evidence is written once, never replaced. */
export class EvidenceExistsError extends Error {
  readonly code = 'EVIDENCE_EXISTS';
  readonly kind = 'conflict';
  constructor(readonly key: string) {
    super(`evidence object ${key} already exists; evidence is written once`);
    this.name = 'EvidenceExistsError';
  }
}

export class EvidenceKeyError extends Error {
  readonly code = 'EVIDENCE_KEY_INVALID';
  readonly kind = 'invalid';
  constructor(key: string, why: string) {
    super(`refused evidence key ${JSON.stringify(key.slice(0, 200))}: ${why}`);
    this.name = 'EvidenceKeyError';
  }
}

const SEGMENT = /^[A-Za-z0-9_=-][A-Za-z0-9._=-]{0,199}$/;

/** Relative, '/'-separated, each segment [A-Za-z0-9._=-] not starting with a dot. Returns the segments. */
export function evidenceKeySegments(key: string, kind: 'key' | 'prefix' = 'key'): string[] {
  if (typeof key !== 'string') throw new EvidenceKeyError(String(key), 'not a string');
  const body = kind === 'prefix' && key.endsWith('/') ? key.slice(0, -1) : key;
  if (kind === 'prefix' && body === '') return [];
  if (body.length > 1024) throw new EvidenceKeyError(key, 'longer than 1024 characters');
  const segments = body.split('/');
  for (const s of segments) {
    if (!SEGMENT.test(s)) throw new EvidenceKeyError(key, 'segments are [A-Za-z0-9._=-], not empty, not starting with "."');
  }
  return segments;
}
