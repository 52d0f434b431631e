import { createHash } from 'node:crypto';
import type { AuditHead } from './access-request';
import { DomainError } from './errors';

/** Every kind of audit event; one per decision and per provisioning/revoke step. */
export const AUDIT_KINDS = [
  'requested',
  'approved',
  'approval_refused',
  /** Approvers of a request still waiting were reminded (policy `renotify`); data: attempt, escalated. */
  'renotified',
  'denied',
  'cancelled',
  'expired',
  'provisioning_started',
  'bastion_created',
  'user_created',
  'secret_stored',
  'credentials_delivered',
  /** The requester opened the credentials (Slack's "Show credentials" modal); one event per opening. */
  'credentials_viewed',
  'activated',
  'warned',
  'extension_requested',
  'extended',
  'extension_refused',
  'revoke_started',
  'sessions_killed',
  'user_dropped',
  'user_locked',
  'bastion_removed',
  'secret_deleted',
  'revoked',
  'compensated',
  'failed',
  'orphan_removed',
  'note',
  /** The grant's evidence bundle was written to the WORM store; data carries its key and SHA-256. */
  'evidence_sealed',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** The SHA-256 "previous hash" of a chain's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a caller appends; the log assigns seq, prevHash and hash. */
export interface AuditEventInput {
  /**
   * Deterministic per step (e.g. `user_created`, `approved:alice@x.com`, `warned:<endsAt>`):
   * appending a key already in the chain returns the existing event instead of a duplicate.
   */
  key: string;
  kind: AuditKind;
  /** Who did it: a person (e-mail/Slack id) or a service name. */
  actor?: string;
  /** Facts of the step (ids, names, reasons). Never a secret: keys like password/secret/token are refused. */
  data?: Record<string, unknown>;
  /** ISO time; the log's clock when absent. */
  at?: string;
}

export interface AuditEvent {
  requestId: string;
  seq: number;
  key: string;
  kind: AuditKind;
  at: string;
  actor?: string;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** JSON with object keys sorted at every level and no undefined members: one byte string per content. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortDeep(value));
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortDeep(v)));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortDeep(v);
    }
    return out;
  }
  return value;
}

/** The hash of an event: SHA-256 over the canonical JSON of every field except `hash`. */
export function hashAuditEvent(event: Omit<AuditEvent, 'hash'> & { hash?: string }): string {
  const { hash: _ignored, ...content } = event;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** Key names that may carry a secret (`secretId`, `secretArn` are identifiers and allowed). */
const SECRET_KEY = /pass(word|wd|phrase)?$|^pwd$|secret(value|string|key)?$|token$|credential|private.?key|api.?key|^authorization$|^cookie$|signature$/i;

/** Throws AUDIT_SECRET_FIELD when any key at any depth looks like it holds a secret. */
export function assertNoSecrets(data: unknown, path = 'data'): void {
  if (Array.isArray(data)) {
    data.forEach((v, i) => assertNoSecrets(v, `${path}[${i}]`));
    return;
  }
  if (!data || typeof data !== 'object') return;
  for (const [k, v] of Object.entries(data)) {
    if (SECRET_KEY.test(k)) {
      throw new DomainError('AUDIT_SECRET_FIELD', 'invalid', `Audit events never carry secrets: field ${path}.${k} is refused.`);
    }
    assertNoSecrets(v, `${path}.${k}`);
  }
}

export type ChainVerification =
  | { ok: true; count: number; headHash: string }
  | { ok: false; count: number; brokenAt: { seq: number; key?: string }; problem: string };

/**
 * Checks a request's events (sorted by seq): consecutive seq from 1, each prevHash equal to the
 * previous event's hash and each hash equal to the recomputed one. Names the first broken link.
 */
export function verifyAuditEvents(events: readonly AuditEvent[]): ChainVerification {
  let prev = GENESIS_HASH;
  for (const [i, e] of events.entries()) {
    const broken = (problem: string): ChainVerification => ({ ok: false, count: events.length, brokenAt: { seq: e.seq, key: e.key }, problem });
    if (e.seq !== i + 1) return broken(`expected seq ${i + 1}, found ${e.seq} (an event is missing or out of place)`);
    if (e.prevHash !== prev) return broken(`prevHash does not match the hash of event ${i} (the previous event was changed or removed)`);
    const recomputed = hashAuditEvent(e);
    if (recomputed !== e.hash) return broken(`content does not match its hash (event ${e.seq} "${e.key}" was altered)`);
    prev = e.hash;
  }
  return { ok: true, count: events.length, headHash: prev };
}

const AUDIT_KEY = /^[A-Za-z0-9_.:@+=/-]{1,200}$/;

/** Refuses a malformed key, an unknown kind or a field that looks like a secret (TypeError / DomainError). */
export function validateAuditInput(input: AuditEventInput): void {
  if (!AUDIT_KEY.test(input.key)) throw new TypeError(`audit key "${input.key}" must be 1-200 of [A-Za-z0-9_.:@+=/-]`);
  if (!(AUDIT_KINDS as readonly string[]).includes(input.kind)) throw new TypeError(`unknown audit kind "${input.kind}"`);
  assertNoSecrets(input.data ?? {});
}

/** The head of a chain with no event yet. */
export const EMPTY_AUDIT_HEAD: AuditHead = { seq: 0, hash: GENESIS_HASH, keys: [], archived: 0 };

/**
 * Appends `inputs` to the chain whose head is `head`, pure: each input whose key is already in the
 * chain (or earlier in `inputs`) is skipped, the others get seq = head + 1, … and their hashes.
 * Returns the new events and the new head; no event when every key was there.
 */
export function extendAuditChain(requestId: string, head: AuditHead, inputs: readonly AuditEventInput[], now: Date): { events: AuditEvent[]; head: AuditHead } {
  const keys = new Set(head.keys);
  const events: AuditEvent[] = [];
  let seq = head.seq;
  let prevHash = head.hash;
  for (const input of inputs) {
    validateAuditInput(input);
    if (keys.has(input.key)) continue;
    keys.add(input.key);
    const body: Omit<AuditEvent, 'hash'> = {
      requestId,
      seq: ++seq,
      key: input.key,
      kind: input.kind,
      at: input.at ?? now.toISOString(),
      ...(input.actor ? { actor: input.actor } : {}),
      // Round-trip through JSON so what is hashed is exactly what DynamoDB stores and returns.
      data: JSON.parse(JSON.stringify(input.data ?? {})) as Record<string, unknown>,
      prevHash,
    };
    const event: AuditEvent = { ...body, hash: hashAuditEvent(body) };
    events.push(event);
    prevHash = event.hash;
  }
  return { events, head: { seq, hash: prevHash, keys: [...keys], archived: head.archived } };
}
