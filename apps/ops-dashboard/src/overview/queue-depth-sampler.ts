import type { Logger } from '@dbre/service-kit';
import type { QueueSet } from '../queues/queue-set';

/** One sample: per queue, jobs waiting to run (waiting + delayed-and-due are both "waiting" to BullMQ) and running. */
export interface QueueDepthSample {
  at: number;
  depth: Record<string, number>;
}

export interface QueueDepthSampler {
  /** Samples kept, oldest first. */
  samples(): QueueDepthSample[];
  sampleOnce(): Promise<void>;
  stop(): void;
}

/**
 * BullMQ keeps no history of queue depth, so the dashboard samples it (waiting + active per
 * queue) every `everyMs` and keeps `keepMs` of samples in memory. A restart starts the chart
 * afresh; Prometheus (`dbre_queue_jobs`) keeps the long history.
 */
export function createQueueDepthSampler(deps: { queues: QueueSet; logger: Logger; everyMs: number; keepMs?: number; clock?: () => Date }): QueueDepthSampler {
  const clock = deps.clock ?? (() => new Date());
  const keepMs = deps.keepMs ?? 6 * 3600_000;
  const kept: QueueDepthSample[] = [];
  let timer: NodeJS.Timeout | undefined;

  async function sampleOnce(): Promise<void> {
    const depth: Record<string, number> = {};
    try {
      await Promise.all(
        deps.queues.all.map(async (q) => {
          const counts = await q.getJobCounts('waiting', 'active', 'prioritized');
          depth[q.name] = (counts['waiting'] ?? 0) + (counts['active'] ?? 0) + (counts['prioritized'] ?? 0);
        }),
      );
    } catch (err) {
      deps.logger.warn({ err: { message: (err as Error).message } }, 'could not sample queue depth');
      return;
    }
    const at = clock().getTime();
    kept.push({ at, depth });
    while (kept.length && (kept[0]?.at ?? at) < at - keepMs) kept.shift();
  }

  if (deps.everyMs > 0) {
    void sampleOnce();
    timer = setInterval(() => void sampleOnce(), deps.everyMs);
    timer.unref();
  }
  return {
    samples: () => [...kept],
    sampleOnce,
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
}
