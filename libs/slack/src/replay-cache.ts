import type { Redis } from 'ioredis';

/**
 * Remembers every accepted request signature for longer than the timestamp window, in ONE key
 * space for every service: Slack's signature does not cover the URL, so a request accepted by
 * request-api must not be accepted again by approval-api or schema-review. The one legitimate
 * second reception — request-api forwarding an interaction to the service it belongs to — is
 * announced first with `handOff`, which lets exactly that service claim the signature once.
 */
export interface ReplayCache {
  /** true the first time a signature (or any once-only key) is seen by this service, false for a replay. */
  claim(signature: string): Promise<boolean>;
  /** Lets `service` claim a signature this service already claimed (a forward), once. */
  handOff(signature: string, service: string): Promise<void>;
}

// Twice the ±5-minute window: a replay is refused by one check or the other, never neither.
const DEFAULT_TTL = 2 * 5 * 60 + 60;

// KEYS[1] the signature key; ARGV[1] this service; ARGV[2] ttl. 1 = claimed, 0 = replay.
const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX') then return 1 end
if redis.call('GET', KEYS[1]) == 'handoff:' .. ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
  return 1
end
return 0`;

export function createRedisReplayCache(redis: Redis, options: { prefix: string; service: string; ttlSeconds?: number }): ReplayCache {
  const ttl = options.ttlSeconds ?? DEFAULT_TTL;
  const key = (signature: string) => `${options.prefix}:slack:seen:${signature}`;
  return {
    async claim(signature) {
      return (await redis.eval(CLAIM, 1, key(signature), options.service, String(ttl))) === 1;
    },
    async handOff(signature, service) {
      await redis.set(key(signature), `handoff:${service}`, 'KEEPTTL', 'XX');
    },
  };
}

/** In-process cache (single-instance development, unit tests); `shared` lets several services use one. */
export function createMemoryReplayCache(ttlSeconds = DEFAULT_TTL, service = 'local', shared = new Map<string, { until: number; owner: string }>()): ReplayCache {
  const sweep = () => {
    const now = Date.now();
    for (const [sig, entry] of shared) if (entry.until < now) shared.delete(sig);
  };
  return {
    async claim(signature) {
      sweep();
      const entry = shared.get(signature);
      if (!entry) {
        shared.set(signature, { until: Date.now() + ttlSeconds * 1000, owner: service });
        return true;
      }
      if (entry.owner !== `handoff:${service}`) return false;
      entry.owner = service;
      return true;
    },
    async handOff(signature, to) {
      const entry = shared.get(signature);
      if (entry) entry.owner = `handoff:${to}`;
    },
  };
}
