/**
 * `npm run bench:approvals`: what one "Approve all N" costs against one approval per request.
 * Per round (BENCH_ROUNDS, default 5): 2 × N requests of one ticket (BENCH_REQUESTS, default 20,
 * the batch maximum) are created; N are approved by one batch decision, the other N by N single
 * approvals, in sequence. The same steps the REST routes call (createAccessDecisions), dynalite
 * in-process and the shared Redis under a random prefix; no HTTP, no provisioning (no worker
 * runs: the provision jobs are only queued). Prints the medians, the DynamoDB calls per request
 * and the load average. Not a test: figures depend on the machine and its load.
 */
import { cpus, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { createAccessDecisions, type AccessQueues } from '@dbre/access';
import { accessPolicySchema } from '@dbre/domain';
import { createStaticInventory, type ClusterTarget } from '@dbre/drivers';
import { createQueue } from '@dbre/queue';
import { createAuditLog, createRequestRepository } from '@dbre/store';
import { startTestDynamo, testServices, uniqueName } from '@dbre/testing';

const N = Math.min(20, Math.max(2, Number(process.env['BENCH_REQUESTS'] ?? 20)));
const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 5));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const cluster: ClusterTarget = { id: 'devdb', environment: 'dev', engine: 'mariadb', endpoint: { host: '127.0.0.1', port: 1 }, instances: [], admin: { user: 'x', password: 'y' } };
const policy = accessPolicySchema.parse({
  profiles: { read: { privileges: ['SELECT'] } },
  groups: { dbre: ['alice@example.com', 'bob@example.com'] },
  environments: {
    dev: { defaultMinutes: 60, maxMinutes: 480, approvers: ['group:dbre'] },
    stg: { defaultMinutes: 60, maxMinutes: 480, approvers: ['group:dbre'] },
    prod: { defaultMinutes: 30, maxMinutes: 120, approvers: ['group:dbre'], approvalsRequired: 2 },
  },
});

async function main(): Promise<void> {
  const load = loadavg()[0]!.toFixed(1);
  const store = await startTestDynamo();
  const redis = new Redis(testServices.redisUrl, { maxRetriesPerRequest: null });
  const ctx = { prefix: uniqueName('bench-appr') };
  const queues: AccessQueues = { provision: createQueue('provision', redis, ctx), warn: createQueue('warn', redis, ctx), revoke: createQueue('revoke', redis, ctx) };
  // Count every DynamoDB call the decisions make.
  let calls = 0;
  const send = store.dynamo.doc.send.bind(store.dynamo.doc) as (...a: unknown[]) => Promise<unknown>;
  (store.dynamo.doc as unknown as { send: (...a: unknown[]) => Promise<unknown> }).send = (...a: unknown[]) => {
    calls++;
    return send(...a);
  };
  const decisions = createAccessDecisions({
    requests: createRequestRepository({ dynamo: store.dynamo }),
    audit: createAuditLog({ dynamo: store.dynamo }),
    policy,
    inventory: createStaticInventory([cluster]),
    databases: { requireDatabase: async () => undefined },
    notifier: { send: async () => undefined },
    queues,
    minuteMs: 60_000,
  });
  const bob = { email: 'bob@example.com', via: 'bench' };
  const batchMs: number[] = [];
  const singleMs: number[] = [];
  const batchCalls: number[] = [];
  const singleCalls: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const ticket = `https://jira.example.com/browse/BENCH-${round}`;
      const ask = () => decisions.create({ clusterId: 'devdb', database: 'shop', profile: 'read', reason: 'bench batch decisions', ticketUrl: ticket }, { email: 'alice@example.com', via: 'bench' });
      const forBatch = [];
      const forSingles = [];
      for (let i = 0; i < N; i++) forBatch.push(await ask());
      for (let i = 0; i < N; i++) forSingles.push(await ask());

      let before = calls;
      let t0 = performance.now();
      const result = await decisions.decideBatch({ decision: 'approve', ids: forBatch.map((r) => r.id) }, bob);
      batchMs.push(performance.now() - t0);
      batchCalls.push((calls - before) / N);
      const approved = result.outcomes.filter((o) => o.outcome === 'approved').length;
      if (approved !== N) throw new Error(`the batch approved ${approved} of ${N}`);

      before = calls;
      t0 = performance.now();
      for (const r of forSingles) await decisions.approve(r.id, bob);
      singleMs.push(performance.now() - t0);
      singleCalls.push((calls - before) / N);
    }
  } finally {
    for (const q of Object.values(queues)) {
      await q.obliterate({ force: true });
      await q.close();
    }
    redis.disconnect();
    await store.close();
  }
  const loadAfter = loadavg()[0]!.toFixed(1);
  console.log(`bench:approvals — ${N} requests per batch, ${ROUNDS} rounds, ${cpus().length} cores, load average ${load} at start, ${loadAfter} at end`);
  console.log(`one batch decision of ${N}:     median ${median(batchMs).toFixed(0)} ms (${(median(batchMs) / N).toFixed(1)} ms per request), ${median(batchCalls).toFixed(1)} DynamoDB calls per request`);
  console.log(`${N} single approvals in a row:  median ${median(singleMs).toFixed(0)} ms (${(median(singleMs) / N).toFixed(1)} ms per request), ${median(singleCalls).toFixed(1)} DynamoDB calls per request`);
  console.log(`all rounds, batch ms: ${batchMs.map((x) => x.toFixed(0)).join(', ')}; singles ms: ${singleMs.map((x) => x.toFixed(0)).join(', ')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
