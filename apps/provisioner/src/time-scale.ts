import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AccessRequest } from '@dbre/domain';
import { tableName, type Dynamo } from '@dbre/store';

export const REAL_MINUTE_MS = 60_000;

/**
 * Tests and the benchmark run grants of a few seconds: one policy "minute" lasts `minuteMs`.
 * The domain computes `endsAt` in real minutes at activation; this rewrites it (version + 1,
 * conditional like every transition) when the scale is not the real one. A no-op in production.
 */
export async function scaleGrantEnd(dynamo: Dynamo, request: AccessRequest, minuteMs: number): Promise<AccessRequest> {
  if (minuteMs === REAL_MINUTE_MS || request.state !== 'active' || !request.activeAt) return request;
  const endsAt = new Date(Date.parse(request.activeAt) + request.durationMinutes * minuteMs).toISOString();
  const next = { ...request, endsAt, version: request.version + 1 };
  await dynamo.doc.send(
    new UpdateCommand({
      TableName: tableName(dynamo.tablePrefix, 'requests'),
      Key: { id: request.id },
      UpdateExpression: 'SET endsAt = :endsAt, #version = :next',
      ConditionExpression: '#state = :active AND #version = :version',
      ExpressionAttributeNames: { '#version': 'version', '#state': 'state' },
      ExpressionAttributeValues: { ':endsAt': endsAt, ':next': next.version, ':active': 'active', ':version': request.version },
    }),
  );
  return next;
}
