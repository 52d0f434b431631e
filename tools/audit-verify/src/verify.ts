import type { AuditLog } from '@dbre/store';

export interface VerifyIo {
  out(line: string): void;
  err(line: string): void;
}

/**
 * Verifies the audit chain of each request id; prints one line per request (or JSON) and
 * returns the exit code: 0 all intact, 1 a chain is broken or empty, 2 bad usage.
 */
export async function verifyRequests(audit: Pick<AuditLog, 'verifyChain'>, args: readonly string[], io: VerifyIo): Promise<number> {
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
    if (json) io.out(JSON.stringify({ requestId: id, ...result }));
    if (result.ok && result.count === 0) {
      code = 1;
      if (!json) io.out(`${id}: no audit events (unknown request id?)`);
    } else if (result.ok) {
      if (!json) io.out(`${id}: chain intact, ${result.count} events, head ${result.headHash}`);
    } else {
      code = 1;
      if (!json) io.out(`${id}: BROKEN at event ${result.brokenAt.seq}${result.brokenAt.key ? ` (${result.brokenAt.key})` : ''}: ${result.problem}`);
    }
  }
  return code;
}
