/** Time functions passed in, so tests run bounded waits without real sleeping. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface BackoffOptions {
  /** First delay; doubled after every miss up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Give up once this much time has passed since the first check. */
  timeoutMs: number;
}

/**
 * Polls `check` with a doubling, capped delay until it returns true or `timeoutMs` has passed.
 * Returns whether the condition was met; never throws for a timeout (the caller decides).
 */
export async function pollWithBackoff(check: () => Promise<boolean>, options: BackoffOptions, clock: Clock): Promise<boolean> {
  const deadline = clock.now() + options.timeoutMs;
  let delay = options.initialDelayMs;
  for (;;) {
    if (await check()) return true;
    const left = deadline - clock.now();
    if (left <= 0) return false;
    await clock.sleep(Math.min(delay, left));
    delay = Math.min(delay * 2, options.maxDelayMs);
  }
}

/** The AWS SDK v3 error name (`err.name`), or undefined for anything else. */
export function awsErrorName(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'name' in err && typeof (err as { name: unknown }).name === 'string') {
    return (err as { name: string }).name;
  }
  return undefined;
}
