import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { GENESIS_HASH, hashAuditEvent, validateAuditInput, verifyAuditEvents, type AuditEvent, type AuditEventInput, type ChainVerification } from '@dbre/domain';
import type { Dynamo } from './client';
import { isConditionalCheckFailed, StoreError } from './errors';
import { createRequestRepository } from './requests';
import { tableName } from './tables';

export interface AuditLog {
  /**
   * Appends an event at the end of a chain. Idempotent by `input.key`: if the chain already holds
   * that key, the stored event is returned and nothing is written. The chain of an access request
   * lives on its item (one conditional write, no re-read); any other chain (e.g. the dashboard's
   * admin log) in the `audit` table.
   */
  append(chainId: string, input: AuditEventInput): Promise<AuditEvent>;
  /** The chain in order (strongly consistent). */
  list(chainId: string): Promise<AuditEvent[]>;
  /**
   * Recomputes the chain; names the first broken link. For an access request it also checks the
   * chain ends where the request's head says, so removing the last events is noticed too.
   */
  verifyChain(chainId: string): Promise<ChainVerification>;
}

/**
 * Hash-chained audit events. Access requests: events inline on the request item, written with the
 * transition they record (see requests.ts). Other chains (table `audit`: requestId + seq): each
 * append reads the chain, returns the existing event when the key is there, else writes seq = last
 * + 1 with `attribute_not_exists(seq)`; losing that race re-reads and retries.
 */
export function createAuditLog(deps: { dynamo: Dynamo; clock?: () => Date; maxAttempts?: number }): AuditLog {
  const { doc } = deps.dynamo;
  const TableName = tableName(deps.dynamo.tablePrefix, 'audit');
  const clock = deps.clock ?? (() => new Date());
  const maxAttempts = deps.maxAttempts ?? 25;
  const requests = createRequestRepository({ dynamo: deps.dynamo });

  const tableChain = async (chainId: string): Promise<AuditEvent[]> => {
    const events: AuditEvent[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(
        new QueryCommand({ TableName, KeyConditionExpression: 'requestId = :r', ExpressionAttributeValues: { ':r': chainId }, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      events.push(...((out.Items ?? []) as AuditEvent[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return events;
  };

  const appendToTable = async (chainId: string, input: AuditEventInput): Promise<AuditEvent> => {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const chain = await tableChain(chainId);
      const existing = chain.find((e) => e.key === input.key);
      if (existing) return existing;
      const last = chain[chain.length - 1];
      const body: Omit<AuditEvent, 'hash'> = {
        requestId: chainId,
        seq: (last?.seq ?? 0) + 1,
        key: input.key,
        kind: input.kind,
        at: input.at ?? clock().toISOString(),
        ...(input.actor ? { actor: input.actor } : {}),
        data: JSON.parse(JSON.stringify(input.data ?? {})) as Record<string, unknown>,
        prevHash: last?.hash ?? GENESIS_HASH,
      };
      const event: AuditEvent = { ...body, hash: hashAuditEvent(body) };
      try {
        await doc.send(new PutCommand({ TableName, Item: event, ConditionExpression: 'attribute_not_exists(seq)' }));
        return event;
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 10 * (attempt + 1)));
      }
    }
    throw new StoreError('AUDIT_APPEND_CONTENDED', 'unavailable', `could not append "${input.key}" to the audit chain of ${chainId}: too many concurrent writers`);
  };

  const list = async (chainId: string) => (await requests.auditEvents(chainId)).events;

  return {
    list,
    async append(chainId, input) {
      validateAuditInput(input);
      const request = await requests.get(chainId);
      if (!request) return appendToTable(chainId, input);
      const done = await requests.update(request, () => ({ audit: [input] }), clock, { attempts: maxAttempts });
      const written = done.events[0];
      if (written) return written;
      const existing = (await list(chainId)).find((e) => e.key === input.key);
      if (!existing) throw new StoreError('AUDIT_APPEND_CONTENDED', 'internal', `audit key "${input.key}" is in the head of ${chainId} but not in its chain`);
      return existing;
    },
    async verifyChain(chainId) {
      const { request, events } = await requests.auditEvents(chainId);
      const result = verifyAuditEvents(events);
      const head = request?.audit;
      if (!result.ok || !head || (head.seq === result.count && head.hash === result.headHash)) return result;
      return {
        ok: false,
        count: result.count,
        brokenAt: { seq: Math.min(head.seq, result.count + 1) },
        problem: `the request's chain head is event ${head.seq} but the chain holds ${result.count} events ending elsewhere (events were removed or replaced)`,
      };
    },
  };
}
