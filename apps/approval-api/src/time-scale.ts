import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AccessRequest } from '@dbre/domain';
import { tableName, type Dynamo } from '@dbre/store';

export const REAL_MINUTE_MS = 60_000;

/**
 * Tests and the benchmark run grants of a few seconds: one policy "minute" lasts `minuteMs`.
 * The domain extends `endsAt` by real minutes; this rewrites the new end (version + 1,
 * conditional like every transition) when the scale is not the real one. A no-op in production.
 */
export async function scaleExtendedEnd(dynamo: Dynamo, request: AccessRequest, minuteMs: number): Promise<AccessRequest> {
  const last = request.extensions[request.extensions.length - 1];
  if (minuteMs === REAL_MINUTE_MS || request.state !== 'active' || !last) return request;
  const endsAt = new Date(Date.parse(last.previousEndsAt) + last.minutes * minuteMs).toISOString();
  const index = request.extensions.length - 1;
  await dynamo.doc.send(
    new UpdateCommand({
      TableName: tableName(dynamo.tablePrefix, 'requests'),
      Key: { id: request.id },
      UpdateExpression: `SET endsAt = :endsAt, extensions[${index}].endsAt = :endsAt, #version = :next`,
      ConditionExpression: '#state = :active AND #version = :version',
      ExpressionAttributeNames: { '#version': 'version', '#state': 'state' },
      ExpressionAttributeValues: { ':endsAt': endsAt, ':next': request.version + 1, ':active': 'active', ':version': request.version },
    }),
  );
  return { ...request, endsAt, extensions: request.extensions.map((e, i) => (i === index ? { ...e, endsAt } : e)), version: request.version + 1 };
}
