import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { testServices, uniqueName, waitFor } from '@dbre/testing';
import { createQueue, enqueue, type TypedQueue } from '../src';

const root = path.resolve(__dirname, '../../..');

interface Started {
  child: ChildProcess;
  events: Array<{ event: string; jobId?: string }>;
  exit: Promise<number | null>;
}

function startWorker(prefix: string): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures/slow-worker.ts')], {
    cwd: root,
    env: { ...process.env, REDIS_URL: testServices.redisUrl, QUEUE_PREFIX: prefix, JOB_MS: '1500' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const events: Started['events'] = [];
  let buffer = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) events.push(JSON.parse(line) as Started['events'][number]);
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, events, exit };
}

describe('a worker service receiving SIGTERM', () => {
  let redis: Redis;
  let queue: TypedQueue<'sweep'>;
  let prefix: string;

  beforeEach(() => {
    prefix = uniqueName('shutdown');
    redis = new Redis(testServices.redisUrl, { maxRetriesPerRequest: null });
    queue = createQueue('sweep', redis, { prefix });
  });

  afterEach(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
  });

  it('finishes the job in hand, takes no new one and exits 0', async () => {
    const worker = startWorker(prefix);
    await waitFor(() => worker.events.some((e) => e.event === 'ready'), { timeoutMs: 20_000, what: 'worker ready' });
    await enqueue(queue, {}, { jobId: 'first' });
    await enqueue(queue, {}, { jobId: 'second' });
    await waitFor(() => worker.events.some((e) => e.event === 'started' && e.jobId === 'first'), { what: 'first job started' });

    worker.child.kill('SIGTERM');
    expect(await worker.exit).toBe(0);

    expect(worker.events.filter((e) => e.event !== 'ready')).toEqual([
      { event: 'started', jobId: 'first' },
      { event: 'finished', jobId: 'first' },
    ]);
    expect(await queue.getJobState('first')).toBe('completed');
    expect(await queue.getJobState('second')).toBe('waiting');
  }, 40_000);

  it('exits at once on a second signal, leaving the job to be retried', async () => {
    const worker = startWorker(prefix);
    await waitFor(() => worker.events.some((e) => e.event === 'ready'), { timeoutMs: 20_000, what: 'worker ready' });
    await enqueue(queue, {}, { jobId: 'slow' });
    await waitFor(() => worker.events.some((e) => e.event === 'started'), { what: 'job started' });

    worker.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    worker.child.kill('SIGTERM');
    expect(await worker.exit).not.toBe(0);
    expect(worker.events.some((e) => e.event === 'finished')).toBe(false);
    expect(await queue.getJobState('slow')).toBe('active'); // stalled: BullMQ hands it out again
  }, 40_000);
});
