/** One dependency a service needs before it can do useful work. */
export interface ReadinessCheck {
  name: string;
  check: (signal: AbortSignal) => Promise<void>;
}

export interface ReadinessResult {
  ready: boolean;
  checks: Record<string, { ok: boolean; error?: string; ms: number }>;
}

export async function runReadinessChecks(checks: readonly ReadinessCheck[], timeoutMs = 2000): Promise<ReadinessResult> {
  const entries = await Promise.all(
    checks.map(async ({ name, check }) => {
      const started = performance.now();
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        await Promise.race([
          check(signal),
          new Promise<never>((_, reject) =>
            signal.addEventListener('abort', () => reject(new Error(`no answer within ${timeoutMs} ms`)), { once: true }),
          ),
        ]);
        return [name, { ok: true, ms: Math.round(performance.now() - started) }] as const;
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        return [name, { ok: false, error, ms: Math.round(performance.now() - started) }] as const;
      }
    }),
  );
  const result = Object.fromEntries(entries);
  return { ready: entries.every(([, r]) => r.ok), checks: result };
}

/** Redis answers PING (works for ioredis clients and BullMQ connections). */
export function redisCheck(redis: { ping: () => Promise<unknown> }, name = 'redis'): ReadinessCheck {
  return { name, check: async () => void (await redis.ping()) };
}
