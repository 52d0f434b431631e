import { CrawlError } from '../crawl/connection';

/**
 * Runs `work` with a signal that aborts after `timeoutMs` (or when `parent` aborts) and
 * rejects at the deadline even if `work` ignores the signal.
 */
export async function withDeadline<T>(clusterId: string, timeoutMs: number, work: (signal: AbortSignal) => Promise<T>, parent?: AbortSignal): Promise<T> {
  const controller = new AbortController();
  const reason = new CrawlError('CRAWL_TIMEOUT', `${clusterId}: crawl did not finish within ${timeoutMs} ms`);
  let timer: NodeJS.Timeout | undefined;
  const onParentAbort = () => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onParentAbort, { once: true });
  try {
    return await Promise.race([
      work(controller.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort(reason);
          reject(reason);
        }, timeoutMs);
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason instanceof Error ? controller.signal.reason : reason), { once: true });
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
    parent?.removeEventListener('abort', onParentAbort);
  }
}
