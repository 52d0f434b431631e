import type { Queue } from 'bullmq';

export const SCHEDULER_ID = 'docs-fleet-nightly';

/**
 * The cron trigger: a BullMQ job scheduler on the `docs-fleet` queue (idempotent upsert, so
 * every replica may call it). Disabled: the scheduler is removed.
 */
export async function applySchedule(queue: Queue, schedule: { enabled: boolean; pattern: string; tz: string }): Promise<void> {
  if (!schedule.enabled) {
    await queue.removeJobScheduler(SCHEDULER_ID);
    return;
  }
  await queue.upsertJobScheduler(SCHEDULER_ID, { pattern: schedule.pattern, tz: schedule.tz }, { name: 'docs-fleet', data: { trigger: 'schedule' } });
}
