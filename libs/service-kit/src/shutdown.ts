import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';
import type { Lifecycle } from './lifecycle';

export interface ShutdownStep {
  name: string;
  run: () => Promise<unknown>;
}

/**
 * Runs every step in order, each even if an earlier one failed; returns the names that failed.
 * Order matters: stop taking work (HTTP server, workers) before closing what they use.
 */
export async function runShutdownSteps(steps: readonly ShutdownStep[], logger: Logger): Promise<string[]> {
  const failed: string[] = [];
  for (const step of steps) {
    try {
      await step.run();
      logger.debug({ step: step.name }, 'shutdown step done');
    } catch (err) {
      failed.push(step.name);
      logger.error({ err, step: step.name }, 'shutdown step failed');
    }
  }
  return failed;
}

/**
 * SIGTERM/SIGINT: mark the service as draining (readiness 503), run the steps, exit 0 — or
 * exit 1 when the deadline passes first or a step failed. A second signal exits at once.
 * Uncaught errors are logged and end the process the same way; the orchestrator restarts it.
 */
export function installShutdown(options: {
  logger: Logger;
  lifecycle: Lifecycle;
  timeoutMs: number;
  steps: readonly ShutdownStep[];
}): { close: () => void } {
  const { logger, lifecycle } = options;
  const handle = closeWithGrace(
    {
      delay: options.timeoutMs,
      logger: false,
      onTimeout: (ms) => logger.error({ timeoutMs: ms }, 'shutdown deadline passed, exiting'),
      onSecondSignal: (signal) => logger.warn({ signal }, 'second signal, exiting now'),
      onSecondError: (err) => logger.error({ err }, 'second fatal error during shutdown, exiting now'),
    },
    async ({ signal, err }) => {
      if (err) logger.fatal({ err }, 'fatal error, shutting down');
      else logger.info({ signal, timeoutMs: options.timeoutMs }, 'shutting down');
      lifecycle.beginDrain();
      const failed = await runShutdownSteps(options.steps, logger);
      if (failed.length) throw new Error(`shutdown steps failed: ${failed.join(', ')}`);
      logger.info('shutdown complete');
    },
  );
  return { close: () => void handle.close() };
}
