import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { encodeTime } from 'ulid';
import { parseAccessRequest, REQUEST_STATES, verifyAuditEvents, type AccessRequest, type AuditEvent, type ChainVerification, type RequestState } from '@dbre/domain';
import { tableName, type AuditLog, type Dynamo, type RequestRepository } from '@dbre/store';

/** States in which a grant is live or about to be; the live page shows these. */
export const LIVE_STATES: readonly RequestState[] = ['approved', 'provisioning', 'active', 'revoking'];

export interface RequestFilter {
  state?: RequestState | undefined;
  requester?: string | undefined;
  cluster?: string | undefined;
  /** Requested on or after this instant. */
  from?: Date | undefined;
  /** Requested before this instant. */
  to?: Date | undefined;
}

export interface RequestList {
  items: AccessRequest[];
  /** More matched than the page shows: narrow the filters. */
  truncated: boolean;
}

/** A complete e-mail address is looked up on the requester index; anything else is a substring search. */
export function isFullEmail(text: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text.trim());
}

export interface Timeline {
  request: AccessRequest;
  events: AuditEvent[];
  chain: ChainVerification;
}

export interface RequestsRead {
  liveGrants(): Promise<AccessRequest[]>;
  list(filter: RequestFilter, limit?: number): Promise<RequestList>;
  get(id: string): Promise<AccessRequest | undefined>;
  timeline(id: string): Promise<Timeline | undefined>;
  /** Requests in `states` updated after `since` (metrics), newest first. */
  updatedSince(states: readonly RequestState[], since: Date): Promise<AccessRequest[]>;
}

/**
 * The dashboard's read side: the request repository for single items and the live states, and
 * newest-first queries on the documented GSIs (`by-state`, `by-requester`) for the filtered list.
 * It never writes: changes go through the lifecycle (see actions/).
 */
export function createRequestsRead(deps: { dynamo: Dynamo; requests: RequestRepository; audit: AuditLog; maxScan?: number }): RequestsRead {
  const { doc } = deps.dynamo;
  const TableName = tableName(deps.dynamo.tablePrefix, 'requests');
  const maxScan = deps.maxScan ?? 1000;

  /** Reads pages newest first until `want` items pass `keep`, or `maxScan` were read. */
  async function collect(input: Omit<QueryCommandInput, 'TableName'>, keep: (r: AccessRequest) => boolean, want: number): Promise<RequestList> {
    const items: AccessRequest[] = [];
    let start: Record<string, unknown> | undefined;
    let scanned = 0;
    do {
      const out = await doc.send(new QueryCommand({ TableName, ...input, ScanIndexForward: false, Limit: 100, ...(start ? { ExclusiveStartKey: start } : {}) }));
      for (const item of out.Items ?? []) {
        scanned++;
        const r = safeParse(item);
        if (r && keep(r)) items.push(r);
      }
      start = out.LastEvaluatedKey;
    } while (start && items.length <= want && scanned < maxScan);
    return { items, truncated: Boolean(start) || items.length > want };
  }

  async function allInState(state: RequestState): Promise<AccessRequest[]> {
    const out: AccessRequest[] = [];
    let cursor: string | undefined;
    do {
      const page = await deps.requests.listByState(state, { limit: 100, ...(cursor ? { cursor } : {}) });
      out.push(...page.items.filter((r) => r.state === state));
      cursor = page.cursor;
    } while (cursor && out.length < 5000);
    return out;
  }

  return {
    async liveGrants() {
      const lists = await Promise.all(LIVE_STATES.map(allInState));
      return lists.flat().sort((a, b) => (a.endsAt ?? '9').localeCompare(b.endsAt ?? '9') || a.id.localeCompare(b.id));
    },

    async list(filter, limit = 200) {
      const from = filter.from?.toISOString();
      const to = filter.to?.toISOString();
      const cluster = filter.cluster?.trim().toLowerCase();
      const who = filter.requester?.trim().toLowerCase();
      const keep = (r: AccessRequest) =>
        (!filter.state || r.state === filter.state) &&
        (!cluster || r.target.clusterId.startsWith(cluster)) &&
        (!who || isFullEmail(who) || r.requester.email.includes(who) || r.requester.displayName.toLowerCase().includes(who)) &&
        (!from || r.requestedAt >= from) &&
        (!to || r.requestedAt < to);

      if (filter.requester && isFullEmail(filter.requester)) {
        // by-requester is ranged by the ULID id, whose first 10 characters encode the request time.
        const lo = filter.from ? `${encodeTime(filter.from.getTime(), 10)}${'0'.repeat(16)}` : '0';
        const hi = filter.to ? `${encodeTime(Math.max(0, filter.to.getTime() - 1), 10)}${'Z'.repeat(16)}` : 'Z'.repeat(26);
        return collect(
          {
            IndexName: 'by-requester',
            KeyConditionExpression: 'requesterId = :r AND id BETWEEN :lo AND :hi',
            ExpressionAttributeValues: { ':r': filter.requester.trim().toLowerCase(), ':lo': lo, ':hi': hi },
          },
          keep,
          limit,
        );
      }
      const states = filter.state ? [filter.state] : REQUEST_STATES;
      const lists = await Promise.all(
        states.map((state) =>
          collect(
            {
              IndexName: 'by-state',
              KeyConditionExpression: from ? '#s = :s AND updatedAt >= :from' : '#s = :s',
              ExpressionAttributeNames: { '#s': 'state' },
              ExpressionAttributeValues: { ':s': state, ...(from ? { ':from': from } : {}) },
            },
            keep,
            limit,
          ),
        ),
      );
      const items = lists.flatMap((l) => l.items).sort((a, b) => b.id.localeCompare(a.id));
      return { items: items.slice(0, limit), truncated: items.length > limit || lists.some((l) => l.truncated) };
    },

    get: (id) => deps.requests.get(id),

    async timeline(id) {
      const request = await deps.requests.get(id);
      if (!request) return undefined;
      const events = await deps.audit.list(id);
      return { request, events, chain: verifyAuditEvents(events) };
    },

    async updatedSince(states, since) {
      const lists = await Promise.all(
        states.map((state) =>
          collect(
            {
              IndexName: 'by-state',
              KeyConditionExpression: '#s = :s AND updatedAt > :since',
              ExpressionAttributeNames: { '#s': 'state' },
              ExpressionAttributeValues: { ':s': state, ':since': since.toISOString() },
            },
            () => true,
            maxScan,
          ),
        ),
      );
      return lists.flatMap((l) => l.items);
    },
  };
}

/** A stored item that no longer matches the schema is skipped here (the request page shows the error). */
function safeParse(item: Record<string, unknown>): AccessRequest | undefined {
  try {
    return parseAccessRequest(item);
  } catch {
    return undefined;
  }
}
