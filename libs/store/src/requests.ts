import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { Counter, register } from 'prom-client';
import {
  EMPTY_AUDIT_HEAD,
  extendAuditChain,
  accessRequestSchema,
  transition,
  type AccessRequest,
  type AuditEvent,
  type AuditEventInput,
  type AuditHead,
  type RequestEvent,
  type RequestState,
} from '@dbre/domain';
import type { Dynamo } from './client';
import { isConditionalCheckFailed, StoreError } from './errors';
import { tableName } from './tables';

/**
 * Audit events travel inline with the request item (attribute `auditEvents`) so that a
 * transition and its events are one conditional write; past this many inline events the oldest
 * are moved to the `audit` table first (a request has ~15 in its whole life; refusals can add more).
 */
export const MAX_INLINE_EVENTS = 100;

/** The audit events a step writes: fixed, or computed from the request after the transition. */
export type AuditInputs = readonly AuditEventInput[] | ((next: AccessRequest) => readonly AuditEventInput[]);

/** One step: an optional transition and the audit events that record it, written together. */
export interface Change {
  event?: RequestEvent;
  audit?: AuditInputs;
  /** Return the whole chain as stored by this write (`chain`), so a caller that needs it reads nothing more. */
  returnChain?: boolean;
}

export type WriteResult =
  /** `events`: the audit events this write added (a key already in the chain is not added twice). */
  | { ok: true; request: AccessRequest; previous: AccessRequest; events: AuditEvent[]; chain?: AuditEvent[] }
  | { ok: false; reason: 'conflict'; current: AccessRequest | undefined };

export interface UpdateResult {
  request: AccessRequest;
  previous: AccessRequest;
  events: AuditEvent[];
  /** false when `decide` found nothing to do (the step had been done). */
  changed: boolean;
}

/** The single partition of the sparse `by-end` index (grants that hold resources and have an end). */
export const GRANT_BUCKET = 'grant';

export type TransitionResult =
  | { ok: true; request: AccessRequest; previous: AccessRequest }
  /** Someone else changed the request first; `current` is what is stored now (undefined if gone). */
  | { ok: false; reason: 'conflict'; current: AccessRequest | undefined };

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  cursor?: string;
}

export interface ListOptions {
  limit?: number;
  cursor?: string;
}

export interface RequestRepository {
  /** Stores a new request with its first audit events in one write; throws StoreError REQUEST_EXISTS if the id is taken. */
  create(request: AccessRequest, audit?: readonly AuditEventInput[]): Promise<AccessRequest>;
  get(id: string): Promise<AccessRequest | undefined>;
  /** Like get, but throws StoreError REQUEST_NOT_FOUND. */
  require(id: string): Promise<AccessRequest>;
  /**
   * Applies `event` to `current` (DomainError when illegal) and writes it only if the stored
   * state and version are still those of `current`. Never overwrites silently.
   */
  applyTransition(current: AccessRequest, event: RequestEvent, now: Date, audit?: AuditInputs): Promise<TransitionResult>;
  /**
   * applyTransition for queue jobs: a lost race throws StoreError REQUEST_CONFLICT, so the job is
   * retried by the queue and starts again from the fresh state.
   */
  applyTransitionOrThrow(current: AccessRequest, event: RequestEvent, now: Date, audit?: AuditInputs): Promise<AccessRequest>;
  /** applyTransitionOrThrow that also returns the whole chain as stored by the write (for sealing evidence without a read). */
  applyTransitionReturningChain(current: AccessRequest, event: RequestEvent, now: Date, audit?: AuditInputs): Promise<{ request: AccessRequest; chain: AuditEvent[] }>;
  /**
   * One atomic step: the transition (if any) and its audit events in a single conditional write on
   * the request item (state, version and chain head of `current`). A conflict returns what is stored.
   */
  write(current: AccessRequest, change: Change, now: Date): Promise<WriteResult>;
  /**
   * Optimistic step: `decide` looks at the stored request and says what to write (undefined: the
   * step is done or does not apply); on a lost race it is asked again with the fresh request.
   * `decide` may throw (a DomainError when the step is illegal now).
   */
  update(target: string | AccessRequest, decide: (current: AccessRequest) => Change | undefined, now: () => Date, options?: { attempts?: number }): Promise<UpdateResult>;
  /** The chain's events in order: those moved to the audit table, then those inline. Empty when there is no request. */
  auditEvents(id: string): Promise<{ request: AccessRequest | undefined; events: AuditEvent[] }>;
  /**
   * Reads, transitions and writes, re-reading on conflict (up to `attempts`): the event is
   * re-checked against the fresh state each time, so a duplicate is refused, not applied twice.
   * Throws DomainError (illegal now) or StoreError REQUEST_NOT_FOUND / REQUEST_CONFLICT.
   */
  applyEvent(id: string, event: RequestEvent, now: Date, options?: { attempts?: number; audit?: AuditInputs }): Promise<{ request: AccessRequest; previous: AccessRequest }>;
  /**
   * Requests in a state, oldest update first (GSI by-state); `updatedBefore` (exclusive) or
   * `updatedAfter` (inclusive) filters on the range key, not both. Audit-only writes keep `updatedAt`.
   */
  listByState(state: RequestState, options?: ListOptions & { updatedBefore?: Date; updatedAfter?: Date }): Promise<Page<AccessRequest>>;
  /** Every grant (active or revoking) whose end is at or before `t` (GSI by-end), all pages. */
  listGrantsEndingBefore(t: Date): Promise<AccessRequest[]>;
  /** A requester's requests (lower-case e-mail), newest first (GSI by-requester). */
  listByRequester(email: string, options?: ListOptions): Promise<Page<AccessRequest>>;
  /**
   * Every stored record that does not match the schema (a full scan: for operators). Lists and the
   * sweep skip such records, and get throws REQUEST_QUARANTINED naming them.
   */
  listQuarantined(): Promise<QuarantinedRecord[]>;
}

/** A stored request that no longer reads as one: skipped everywhere, listed for operators. */
export interface QuarantinedRecord {
  /** The item's key (`id`), as stored. */
  id: string;
  /** Which fields are wrong (paths and rules, never the values). */
  problems: string[];
}

/** Minimal logger (pino-compatible). */
export interface StoreLogger {
  warn(obj: object, msg?: string): void;
}

export const QUARANTINE_METRIC = 'dbre_store_quarantined_records_total';

/** Counted on prom-client's default registry (what each service's /metrics serves), created on first use. */
function quarantineCounter(): Counter<'table'> {
  const existing = register.getSingleMetric(QUARANTINE_METRIC) as Counter<'table'> | undefined;
  return existing ?? new Counter({ name: QUARANTINE_METRIC, help: 'Stored records skipped because they do not match the schema (quarantined)', labelNames: ['table'] });
}

/** Attributes only the indexes need; derived from the request on every write. */
function toItem(r: AccessRequest): Record<string, unknown> {
  const holdsGrant = (r.state === 'active' || r.state === 'revoking') && r.endsAt !== undefined;
  return { ...r, requesterId: r.requester.email.toLowerCase(), ...(holdsGrant ? { grantBucket: GRANT_BUCKET } : {}) };
}

type Read = { ok: true; request: AccessRequest } | { ok: false; quarantined: QuarantinedRecord };

function readItem(item: Record<string, unknown>): Read {
  const parsed = accessRequestSchema.safeParse(item);
  if (parsed.success) return { ok: true, request: parsed.data };
  const problems = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'record'}: ${i.message}`);
  return { ok: false, quarantined: { id: typeof item['id'] === 'string' ? item['id'] : JSON.stringify(item['id']), problems } };
}

const encodeCursor = (key: Record<string, unknown> | undefined) => (key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined);
const cursorInvalid = (cause?: unknown) =>
  new StoreError('CURSOR_INVALID', 'invalid', 'The cursor is not one this listing gave out: start again without a cursor and follow the `cursor` of each page.', cause === undefined ? undefined : { cause });

/** A cursor is what encodeCursor gave out: a JSON object of key attributes (strings or numbers). Anything else is the caller's mistake, not a 500. */
const decodeCursor = (cursor: string | undefined): Record<string, unknown> | undefined => {
  if (!cursor) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (err) {
    throw cursorInvalid(err);
  }
  const plain = typeof key === 'object' && key !== null && !Array.isArray(key);
  const values = plain ? Object.values(key as Record<string, unknown>) : [];
  if (!plain || values.length === 0 || values.some((v) => typeof v !== 'string' && typeof v !== 'number')) throw cursorInvalid();
  return key as Record<string, unknown>;
};

export function createRequestRepository(deps: { dynamo: Dynamo; logger?: StoreLogger }): RequestRepository {
  const { doc } = deps.dynamo;
  const TableName = tableName(deps.dynamo.tablePrefix, 'requests');
  const AuditTable = tableName(deps.dynamo.tablePrefix, 'audit');

  /** One bad record must never stop a listing or the sweep: skip it, say so, count it. */
  const quarantine = (q: QuarantinedRecord): void => {
    quarantineCounter().inc({ table: 'requests' });
    deps.logger?.warn({ table: TableName, key: q.id, problems: q.problems }, 'stored request quarantined: it does not match the schema and is skipped');
  };

  const get = async (id: string) => {
    const out = await doc.send(new GetCommand({ TableName, Key: { id }, ConsistentRead: true }));
    if (!out.Item) return undefined;
    const read = readItem(out.Item);
    if (read.ok) return read.request;
    quarantine(read.quarantined);
    throw new StoreError('REQUEST_QUARANTINED', 'conflict', `Access request ${id} is quarantined: its stored record does not match the schema (${read.quarantined.problems.join('; ')}). Operators list such records; nothing can act on it until it is repaired.`, {
      details: { quarantined: read.quarantined },
    });
  };

  const query = async (input: Omit<QueryCommandInput, 'TableName'>, options: ListOptions = {}): Promise<Page<AccessRequest>> => {
    const startKey = decodeCursor(options.cursor);
    const out = await doc
      .send(new QueryCommand({ TableName, ...input, ...(options.limit ? { Limit: options.limit } : {}), ...(startKey ? { ExclusiveStartKey: startKey } : {}) }))
      .catch((err: unknown) => {
        // A well-formed cursor of another listing (other key attributes) is refused by DynamoDB.
        if (startKey && err instanceof Error && err.name === 'ValidationException') throw cursorInvalid(err);
        throw err;
      });
    const cursor = encodeCursor(out.LastEvaluatedKey);
    const items: AccessRequest[] = [];
    for (const item of out.Items ?? []) {
      const read = readItem(item);
      if (read.ok) items.push(read.request);
      else quarantine(read.quarantined);
    }
    return { items, ...(cursor ? { cursor } : {}) };
  };

  /** Events in the audit table (chains written before heads were kept, and archived ones). */
  const archivedEvents = async (requestId: string): Promise<AuditEvent[]> => {
    const events: AuditEvent[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(
        new QueryCommand({ TableName: AuditTable, KeyConditionExpression: 'requestId = :r', ExpressionAttributeValues: { ':r': requestId }, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      events.push(...((out.Items ?? []) as AuditEvent[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return events;
  };

  /** The whole chain from an item's inline events and, where some were archived (or the item has no head), the audit table. */
  const chainOf = async (id: string, request: AccessRequest | undefined, inline: unknown): Promise<AuditEvent[]> => {
    const archived = request?.audit && request.audit.archived === 0 ? [] : await archivedEvents(id);
    const bySeq = new Map<number, AuditEvent>(archived.map((e) => [e.seq, e]));
    for (const e of (inline ?? []) as AuditEvent[]) if (!bySeq.has(e.seq)) bySeq.set(e.seq, e);
    return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  };

  /** A request stored before it carried its head: the chain is in the audit table alone. */
  const legacyHead = async (requestId: string): Promise<AuditHead> => {
    const events = await archivedEvents(requestId);
    const last = events[events.length - 1];
    return last ? { seq: last.seq, hash: last.hash, keys: events.map((e) => e.key), archived: last.seq } : EMPTY_AUDIT_HEAD;
  };

  /** Moves the inline events to the audit table (same content, so writing twice is harmless). */
  const archiveInline = async (requestId: string, head: AuditHead): Promise<boolean> => {
    const out = await doc.send(new GetCommand({ TableName, Key: { id: requestId }, ConsistentRead: true, ProjectionExpression: 'auditEvents' }));
    const inline = ((out.Item?.['auditEvents'] ?? []) as AuditEvent[]).filter((e) => e.seq > head.archived && e.seq <= head.seq);
    if (inline.length !== head.seq - head.archived) return false; // someone wrote meanwhile: the caller's write will conflict
    for (let i = 0; i < inline.length; i += 25) {
      let items: Array<{ PutRequest: { Item: AuditEvent } }> = inline.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; items.length && attempt < 10; attempt++) {
        const res = await doc.send(new BatchWriteCommand({ RequestItems: { [AuditTable]: items } }));
        items = (res.UnprocessedItems?.[AuditTable] ?? []) as typeof items;
      }
      if (items.length) throw new StoreError('AUDIT_APPEND_CONTENDED', 'unavailable', `could not archive the audit events of ${requestId}`);
    }
    return true;
  };

  const write = async (current: AccessRequest, change: Change, now: Date): Promise<WriteResult> => {
    const next = change.event ? transition(current, change.event, now) : current;
    const inputs = typeof change.audit === 'function' ? change.audit(next) : (change.audit ?? []);
    const head = current.audit ?? (await legacyHead(current.id));
    const { events, head: nextHead } = extendAuditChain(current.id, head, inputs, now);
    if (!change.event && events.length === 0) return { ok: true, request: current, previous: current, events };
    let restart = false;
    if (head.seq - head.archived + events.length > MAX_INLINE_EVENTS) {
      if (!(await archiveInline(current.id, head))) return { ok: false, reason: 'conflict', current: await get(current.id) };
      restart = true;
    }
    const stored: AccessRequest = { ...next, audit: { ...nextHead, archived: restart ? head.seq : head.archived } };
    const item = toItem(stored);
    const before = toItem(current);
    const names: Record<string, string> = { '#state': 'state', '#version': 'version', '#audit': 'audit', '#events': 'auditEvents' };
    const values: Record<string, unknown> = { ':cstate': current.state, ':cversion': current.version, ':events': events };
    const sets: string[] = [];
    Object.entries(item).forEach(([k, v], i) => {
      if (k === 'id') return;
      names[`#a${i}`] = k;
      values[`:a${i}`] = v;
      sets.push(`#a${i} = :a${i}`);
    });
    const removes = Object.keys(before)
      .filter((k) => k !== 'id' && !(k in item))
      .map((k, i) => {
        names[`#r${i}`] = k;
        return `#r${i}`;
      });
    if (restart) sets.push('#events = :events');
    else {
      values[':none'] = [];
      sets.push('#events = list_append(if_not_exists(#events, :none), :events)');
    }
    let condition = 'attribute_exists(id) AND #state = :cstate AND #version = :cversion AND ';
    if (current.audit) {
      values[':cseq'] = current.audit.seq;
      names['#seq'] = 'seq';
      condition += '#audit.#seq = :cseq';
    } else condition += 'attribute_not_exists(#audit)';
    try {
      const out = await doc.send(
        new UpdateCommand({
          TableName,
          Key: { id: current.id },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ...(change.returnChain ? { ReturnValues: 'ALL_NEW' as const } : {}),
        }),
      );
      const chain = change.returnChain ? { chain: await chainOf(current.id, stored, out.Attributes?.['auditEvents']) } : {};
      return { ok: true, request: stored, previous: current, events, ...chain };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      return { ok: false, reason: 'conflict', current: await get(current.id) };
    }
  };

  const update: RequestRepository['update'] = async (target, decide, now, options = {}) => {
    const attempts = options.attempts ?? 10;
    let current = typeof target === 'string' ? await get(target) : target;
    const id = typeof target === 'string' ? target : target.id;
    for (let i = 0; i < attempts; i++) {
      if (!current) throw new StoreError('REQUEST_NOT_FOUND', 'not_found', `There is no access request ${id}.`);
      const change = decide(current);
      if (!change) return { request: current, previous: current, events: [], changed: false };
      const result = await write(current, change, now());
      if (result.ok) return { request: result.request, previous: result.previous, events: result.events, changed: true };
      current = result.current;
      if (i > 1) await new Promise((r) => setTimeout(r, Math.random() * 5 * i));
    }
    throw new StoreError('REQUEST_CONFLICT', 'conflict', `Request ${id} kept changing; the step was not applied after ${attempts} attempts.`);
  };

  const lostRace = (current: AccessRequest, event: RequestEvent) =>
    new StoreError('REQUEST_CONFLICT', 'conflict', `request ${current.id} changed while applying ${event.type}; will retry from the fresh state`);

  const applyTransition = async (current: AccessRequest, event: RequestEvent, now: Date, audit?: AuditInputs): Promise<TransitionResult> => {
    const result = await write(current, { event, ...(audit ? { audit } : {}) }, now);
    return result.ok ? { ok: true, request: result.request, previous: result.previous } : result;
  };

  return {
    get,
    async create(request, audit = []) {
      const { events, head } = extendAuditChain(request.id, EMPTY_AUDIT_HEAD, audit, new Date(request.updatedAt));
      try {
        const stored: AccessRequest = { ...request, audit: head };
        await doc.send(new PutCommand({ TableName, Item: { ...toItem(stored), auditEvents: events }, ConditionExpression: 'attribute_not_exists(id)' }));
        return stored;
      } catch (err) {
        if (isConditionalCheckFailed(err)) throw new StoreError('REQUEST_EXISTS', 'conflict', `request ${request.id} already exists`);
        throw err;
      }
    },
    async require(id) {
      const r = await get(id);
      if (!r) throw new StoreError('REQUEST_NOT_FOUND', 'not_found', `There is no access request ${id}.`);
      return r;
    },
    write,
    update,
    applyTransition,
    async applyTransitionOrThrow(current, event, now, audit) {
      const result = await applyTransition(current, event, now, audit);
      if (!result.ok) throw lostRace(current, event);
      return result.request;
    },
    async applyTransitionReturningChain(current, event, now, audit) {
      const result = await write(current, { event, returnChain: true, ...(audit ? { audit } : {}) }, now);
      if (!result.ok) throw lostRace(current, event);
      return { request: result.request, chain: result.chain ?? [] };
    },
    async applyEvent(id, event, now, options = {}) {
      // The event is re-checked against the fresh state on every attempt, so a duplicate is refused, not applied twice.
      const done = await update(id, () => ({ event, ...(options.audit ? { audit: options.audit } : {}) }), () => now, { attempts: options.attempts ?? 5 });
      return { request: done.request, previous: done.previous };
    },
    async auditEvents(id) {
      const out = await doc.send(new GetCommand({ TableName, Key: { id }, ConsistentRead: true }));
      const read = out.Item ? readItem(out.Item) : undefined;
      const request = read?.ok ? read.request : undefined; // a quarantined record's events are still listed
      return { request, events: await chainOf(id, request, out.Item?.['auditEvents']) };
    },
    listByState(state, options = {}) {
      if (options.updatedBefore && options.updatedAfter) throw new TypeError('listByState: give updatedBefore or updatedAfter, not both');
      const range = options.updatedBefore ? ' AND updatedAt < :t' : options.updatedAfter ? ' AND updatedAt >= :t' : '';
      const t = options.updatedBefore ?? options.updatedAfter;
      return query(
        {
          IndexName: 'by-state',
          KeyConditionExpression: `#state = :state${range}`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':state': state, ...(t ? { ':t': t.toISOString() } : {}) },
        },
        options,
      );
    },
    async listGrantsEndingBefore(t) {
      const all: AccessRequest[] = [];
      let cursor: string | undefined;
      do {
        const page = await query(
          {
            IndexName: 'by-end',
            KeyConditionExpression: 'grantBucket = :b AND endsAt <= :t',
            ExpressionAttributeValues: { ':b': GRANT_BUCKET, ':t': t.toISOString() },
          },
          cursor ? { cursor } : {},
        );
        all.push(...page.items);
        cursor = page.cursor;
      } while (cursor);
      return all;
    },
    async listQuarantined() {
      const out: QuarantinedRecord[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(new ScanCommand({ TableName, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
        for (const item of page.Items ?? []) {
          const read = readItem(item);
          if (!read.ok) out.push(read.quarantined);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return out.sort((a, b) => a.id.localeCompare(b.id));
    },
    listByRequester(email, options = {}) {
      return query(
        {
          IndexName: 'by-requester',
          KeyConditionExpression: 'requesterId = :r',
          ExpressionAttributeValues: { ':r': email.toLowerCase() },
          ScanIndexForward: false,
        },
        options,
      );
    },
  };
}
