import { isTerminal, type AccessRequest } from '@dbre/domain';
import type { AuditLog } from '@dbre/store';

export interface VerifyIo {
  out(line: string): void;
  err(line: string): void;
}

/**
 * The chain alone cannot show that its last events were removed. When the request is known and
 * finished, its final state must appear as an event kind (revoked, denied, cancelled, expired, failed).
 */
export function missingFinalEvent(request: AccessRequest | undefined, kinds: readonly string[]): string | undefined {
  if (!request || !isTerminal(request.state) || kinds.includes(request.state)) return undefined;
  return `request is ${request.state} but the chain has no "${request.state}" event (events at the end may have been removed)`;
}

/**
 * Verifies the audit chain of each request id; prints one line per request (or JSON) and
 * returns the exit code: 0 all intact, 1 a chain is broken, incomplete or empty, 2 bad usage.
 */
export async function verifyRequests(
  audit: Pick<AuditLog, 'verifyChain' | 'list'>,
  args: readonly string[],
  io: VerifyIo,
  getRequest: (id: string) => Promise<AccessRequest | undefined> = async () => undefined,
): Promise<number> {
  const json = args.includes('--json');
  const ids = args.filter((a) => !a.startsWith('--'));
  if (ids.length === 0 || args.includes('--help')) {
    io.err('usage: npm run audit:verify -- <requestId> [<requestId> ...] [--json]');
    io.err('  env: DYNAMO_ENDPOINT (local dynalite), AWS_REGION, TABLE_PREFIX');
    return 2;
  }
  let code = 0;
  for (const id of ids) {
    const result = await audit.verifyChain(id);
    const incomplete = result.ok && result.count > 0 ? missingFinalEvent(await getRequest(id), (await audit.list(id)).map((e) => e.kind)) : undefined;
    if (json) io.out(JSON.stringify({ requestId: id, ...result, ...(incomplete ? { incomplete } : {}) }));
    if (result.ok && result.count === 0) {
      code = 1;
      if (!json) io.out(`${id}: no audit events (unknown request id?)`);
    } else if (result.ok && incomplete) {
      code = 1;
      if (!json) io.out(`${id}: INCOMPLETE, ${result.count} events: ${incomplete}`);
    } else if (result.ok) {
      if (!json) io.out(`${id}: chain intact, ${result.count} events, head ${result.headHash}`);
    } else {
      code = 1;
      if (!json) io.out(`${id}: BROKEN at event ${result.brokenAt.seq}${result.brokenAt.key ? ` (${result.brokenAt.key})` : ''}: ${result.problem}`);
    }
  }
  return code;
}
