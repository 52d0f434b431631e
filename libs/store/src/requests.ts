import { GetCommand, PutCommand, QueryCommand, ScanCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { Counter, register } from 'prom-client';
import { accessRequestSchema, transition, type AccessRequest, type RequestEvent, type RequestState } from '@dbre/domain';
import type { Dynamo } from './client';
import { isConditionalCheckFailed, StoreError } from './errors';
import { tableName } from './tables';

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
  /** Stores a new request; throws StoreError REQUEST_EXISTS if the id is taken. */
  create(request: AccessRequest): Promise<AccessRequest>;
  get(id: string): Promise<AccessRequest | undefined>;
  /** Like get, but throws StoreError REQUEST_NOT_FOUND. */
  require(id: string): Promise<AccessRequest>;
  /**
   * Applies `event` to `current` (DomainError when illegal) and writes it only if the stored
   * state and version are still those of `current`. Never overwrites silently.
   */
  applyTransition(current: AccessRequest, event: RequestEvent, now: Date): Promise<TransitionResult>;
  /**
   * applyTransition for queue jobs: a lost race throws StoreError REQUEST_CONFLICT, so the job is
   * retried by the queue and starts again from the fresh state.
   */
  applyTransitionOrThrow(current: AccessRequest, event: RequestEvent, now: Date): Promise<AccessRequest>;
  /**
   * Reads, transitions and writes, re-reading on conflict (up to `attempts`): the event is
   * re-checked against the fresh state each time, so a duplicate is refused, not applied twice.
   * Throws DomainError (illegal now) or StoreError REQUEST_NOT_FOUND / REQUEST_CONFLICT.
   */
  applyEvent(id: string, event: RequestEvent, now: Date, options?: { attempts?: number }): Promise<{ request: AccessRequest; previous: AccessRequest }>;
  /** Requests in a state, oldest update first (GSI by-state); `updatedBefore` filters on the range key. */
  listByState(state: RequestState, options?: ListOptions & { updatedBefore?: Date }): Promise<Page<AccessRequest>>;
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
const decodeCursor = (cursor: string | undefined) => (cursor ? (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>) : undefined);

export function createRequestRepository(deps: { dynamo: Dynamo; logger?: StoreLogger }): RequestRepository {
  const { doc } = deps.dynamo;
  const TableName = tableName(deps.dynamo.tablePrefix, 'requests');

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
    const out = await doc.send(
      new QueryCommand({ TableName, ...input, ...(options.limit ? { Limit: options.limit } : {}), ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    const cursor = encodeCursor(out.LastEvaluatedKey);
    const items: AccessRequest[] = [];
    for (const item of out.Items ?? []) {
      const read = readItem(item);
      if (read.ok) items.push(read.request);
      else quarantine(read.quarantined);
    }
    return { items, ...(cursor ? { cursor } : {}) };
  };

  const applyTransition = async (current: AccessRequest, event: RequestEvent, now: Date): Promise<TransitionResult> => {
    const next = transition(current, event, now);
    try {
      await doc.send(
        new PutCommand({
          TableName,
          Item: toItem(next),
          ConditionExpression: '#state = :state AND #version = :version',
          ExpressionAttributeNames: { '#state': 'state', '#version': 'version' },
          ExpressionAttributeValues: { ':state': current.state, ':version': current.version },
        }),
      );
      return { ok: true, request: next, previous: current };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      return { ok: false, reason: 'conflict', current: await get(current.id) };
    }
  };

  return {
    get,
    async create(request) {
      try {
        await doc.send(new PutCommand({ TableName, Item: toItem(request), ConditionExpression: 'attribute_not_exists(id)' }));
        return request;
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
    applyTransition,
    async applyTransitionOrThrow(current, event, now) {
      const result = await applyTransition(current, event, now);
      if (!result.ok) throw new StoreError('REQUEST_CONFLICT', 'conflict', `request ${current.id} changed while applying ${event.type}; will retry from the fresh state`);
      return result.request;
    },
    async applyEvent(id, event, now, options = {}) {
      const attempts = options.attempts ?? 5;
      let current = await get(id);
      for (let i = 0; i < attempts; i++) {
        if (!current) throw new StoreError('REQUEST_NOT_FOUND', 'not_found', `There is no access request ${id}.`);
        const result = await applyTransition(current, event, now);
        if (result.ok) return { request: result.request, previous: result.previous };
        current = result.current;
      }
      throw new StoreError('REQUEST_CONFLICT', 'conflict', `Request ${id} kept changing; ${event.type} was not applied after ${attempts} attempts.`);
    },
    listByState(state, options = {}) {
      return query(
        {
          IndexName: 'by-state',
          KeyConditionExpression: options.updatedBefore ? '#state = :state AND updatedAt < :before' : '#state = :state',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':state': state, ...(options.updatedBefore ? { ':before': options.updatedBefore.toISOString() } : {}) },
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
