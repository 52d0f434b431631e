import { Queue, Worker, UnrecoverableError, type Job, type JobsOptions, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { QUEUES, type PayloadOf, type QueueKey } from './catalog';

export interface QueueContext {
  /** BullMQ key prefix; tests use a random one so they never see each other's jobs. */
  prefix: string;
}

export type TypedQueue<K extends QueueKey> = Queue<PayloadOf<K>, unknown, string> & { key: K };

export function createQueue<K extends QueueKey>(key: K, connection: Redis, ctx: QueueContext): TypedQueue<K> {
  const def = QUEUES[key];
  const queue = new Queue<PayloadOf<K>, unknown, string>(def.name, {
    connection,
    prefix: ctx.prefix,
    defaultJobOptions: def.defaults,
  }) as TypedQueue<K>;
  queue.key = key;
  queue.on('error', () => undefined); // connection errors surface through readiness and the Redis logger
  return queue;
}

/** Adds a job after validating its payload against the catalog. */
export async function enqueue<K extends QueueKey>(
  queue: TypedQueue<K>,
  payload: PayloadOf<K>,
  options: JobsOptions & { jobId?: string } = {},
): Promise<Job<PayloadOf<K>>> {
  const parsed = QUEUES[queue.key].payload.parse(payload) as PayloadOf<K>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return queue.add(queue.key as any, parsed as any, options) as Promise<Job<PayloadOf<K>>>;
}

export interface JobContext {
  job: Job;
  logger: Logger;
  signal?: AbortSignal | undefined;
  /** The lock token, for `job.moveToDelayed(ts, token)` (a job that reschedules itself). */
  token?: string | undefined;
}

export type Processor<K extends QueueKey> = (payload: PayloadOf<K>, ctx: JobContext) => Promise<unknown>;

/**
 * A worker whose processor receives a parsed payload and a child logger carrying
 * `{ queue, jobId, attempt }`. A payload that does not match the catalog fails without retries.
 */
export function createWorker<K extends QueueKey>(
  key: K,
  processor: Processor<K>,
  deps: { connection: Redis; logger: Logger; prefix: string; /** Another queue with this entry's payload (e.g. one per region). */ queueName?: string },
  options: Partial<WorkerOptions> = {},
): Worker {
  const def = { ...QUEUES[key], name: deps.queueName ?? QUEUES[key].name };
  const worker = new Worker(
    def.name,
    async (job, token, signal) => {
      const logger = deps.logger.child({ queue: def.name, jobId: job.id, attempt: job.attemptsMade + 1 });
      const parsed = def.payload.safeParse(job.data);
      if (!parsed.success) {
        throw new UnrecoverableError(`payload does not match the ${def.name} schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
      return processor(parsed.data as PayloadOf<K>, { job, logger, signal, token });
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 1, ...options },
  );
  worker.on('failed', (job, err) => {
    deps.logger.warn({ queue: def.name, jobId: job?.id, attempt: job?.attemptsMade, err: { message: err.message, name: err.name } }, 'job failed');
  });
  worker.on('error', (err) => deps.logger.warn({ queue: def.name, err: { message: err.message } }, 'worker error'));
  return worker;
}

/** worker.close() waits for the active job with no deadline of its own; race it against one. */
export async function closeWorker(worker: Worker, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      worker.close(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`worker ${worker.name} did not finish its job within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export { UnrecoverableError };
