import { DescribeSessionsCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { BastionSession } from '../ports';

/**
 * Every Session Manager session opened on a bastion instance (finished ones, then any still
 * active), page by page, for the grant's evidence. Sorted by start time.
 */
export async function listBastionSessions(ssm: SSMClient, instanceId: string, signal?: AbortSignal): Promise<BastionSession[]> {
  if (!/^i-[0-9a-f]{8,17}$/.test(instanceId)) throw new Error(`refused bastion instance id ${JSON.stringify(instanceId)}`);
  const sessions: BastionSession[] = [];
  for (const State of ['History', 'Active'] as const) {
    let NextToken: string | undefined;
    do {
      const out = await ssm.send(new DescribeSessionsCommand({ State, Filters: [{ key: 'Target', value: instanceId }], ...(NextToken ? { NextToken } : {}) }), signal ? { abortSignal: signal } : {});
      for (const s of out.Sessions ?? []) {
        if (!s.SessionId) continue;
        sessions.push({
          sessionId: s.SessionId,
          ...(s.Owner ? { owner: s.Owner } : {}),
          ...(s.Target ? { target: s.Target } : {}),
          ...(s.StartDate ? { startedAt: s.StartDate.toISOString() } : {}),
          ...(s.EndDate ? { endedAt: s.EndDate.toISOString() } : {}),
          ...(s.Status ? { status: s.Status } : {}),
        });
      }
      NextToken = out.NextToken;
    } while (NextToken);
  }
  return sessions.sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? '') || a.sessionId.localeCompare(b.sessionId));
}
