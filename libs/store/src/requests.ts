import { GetCommand, PutCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { parseAccessRequest, transition, type AccessRequest, type RequestEvent, type RequestState } from '@dbre/domain';
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
}

/** Attributes only the indexes need; derived from the request on every write. */
function toItem(r: AccessRequest): Record<string, unknown> {
  const holdsGrant = (r.state === 'active' || r.state === 'revoking') && r.endsAt !== undefined;
  return { ...r, requesterId: r.requester.email.toLowerCase(), ...(holdsGrant ? { grantBucket: GRANT_BUCKET } : {}) };
}

function fromItem(item: Record<string, unknown>): AccessRequest {
  try {
    return parseAccessRequest(item);
  } catch (err) {
    throw new StoreError('STORED_ITEM_INVALID', 'internal', `stored request ${String(item['id'])} does not match the schema`, { cause: err });
  }
}

const encodeCursor = (key: Record<string, unknown> | undefined) => (key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined);
const decodeCursor = (cursor: string | undefined) => (cursor ? (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>) : undefined);

export function createRequestRepository(deps: { dynamo: Dynamo }): RequestRepository {
  const { doc } = deps.dynamo;
  const TableName = tableName(deps.dynamo.tablePrefix, 'requests');

  const get = async (id: string) => {
    const out = await doc.send(new GetCommand({ TableName, Key: { id }, ConsistentRead: true }));
    return out.Item ? fromItem(out.Item) : undefined;
  };

  const query = async (input: Omit<QueryCommandInput, 'TableName'>, options: ListOptions = {}): Promise<Page<AccessRequest>> => {
    const startKey = decodeCursor(options.cursor);
    const out = await doc.send(
      new QueryCommand({ TableName, ...input, ...(options.limit ? { Limit: options.limit } : {}), ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    const cursor = encodeCursor(out.LastEvaluatedKey);
    return { items: (out.Items ?? []).map(fromItem), ...(cursor ? { cursor } : {}) };
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
