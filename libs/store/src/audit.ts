import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  AUDIT_KINDS,
  assertNoSecrets,
  GENESIS_HASH,
  hashAuditEvent,
  verifyAuditEvents,
  type AuditEvent,
  type AuditEventInput,
  type ChainVerification,
} from '@dbre/domain';
import type { Dynamo } from './client';
import { isConditionalCheckFailed, StoreError } from './errors';
import { tableName } from './tables';

export interface AuditLog {
  /**
   * Appends an event at the end of the request's chain. Idempotent by `input.key`: if the chain
   * already holds that key, the stored event is returned and nothing is written.
   */
  append(requestId: string, input: AuditEventInput): Promise<AuditEvent>;
  /** The request's chain in order (strongly consistent). */
  list(requestId: string): Promise<AuditEvent[]>;
  /** Recomputes the chain; names the first broken link. */
  verifyChain(requestId: string): Promise<ChainVerification>;
}

const KEY = /^[A-Za-z0-9_.:@+=/-]{1,200}$/;

/**
 * Append-only, hash-chained audit events (table `audit`: requestId + seq). Each append reads the
 * chain (a request has tens of events), returns the existing event when the key is there, else
 * writes seq = last + 1 with `attribute_not_exists(seq)`; losing that race re-reads and retries,
 * so concurrent appends interleave without forks and retried steps never duplicate.
 */
export function createAuditLog(deps: { dynamo: Dynamo; clock?: () => Date; maxAttempts?: number }): AuditLog {
  const { doc } = deps.dynamo;
  const TableName = tableName(deps.dynamo.tablePrefix, 'audit');
  const clock = deps.clock ?? (() => new Date());
  const maxAttempts = deps.maxAttempts ?? 25;

  const list = async (requestId: string): Promise<AuditEvent[]> => {
    const events: AuditEvent[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'requestId = :r',
          ExpressionAttributeValues: { ':r': requestId },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      events.push(...((out.Items ?? []) as AuditEvent[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return events;
  };

  return {
    list,
    async verifyChain(requestId) {
      return verifyAuditEvents(await list(requestId));
    },
    async append(requestId, input) {
      if (!KEY.test(input.key)) throw new TypeError(`audit key "${input.key}" must be 1-200 of [A-Za-z0-9_.:@+=/-]`);
      if (!(AUDIT_KINDS as readonly string[]).includes(input.kind)) throw new TypeError(`unknown audit kind "${input.kind}"`);
      const data = input.data ?? {};
      assertNoSecrets(data);
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const chain = await list(requestId);
        const existing = chain.find((e) => e.key === input.key);
        if (existing) return existing;
        const last = chain[chain.length - 1];
        const body: Omit<AuditEvent, 'hash'> = {
          requestId,
          seq: (last?.seq ?? 0) + 1,
          key: input.key,
          kind: input.kind,
          at: input.at ?? clock().toISOString(),
          ...(input.actor ? { actor: input.actor } : {}),
          // Round-trip through JSON so what is hashed is exactly what DynamoDB stores and returns.
          data: JSON.parse(JSON.stringify(data)) as Record<string, unknown>,
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
      throw new StoreError('AUDIT_APPEND_CONTENDED', 'unavailable', `could not append "${input.key}" to the audit chain of ${requestId}: too many concurrent writers`);
    },
  };
}
