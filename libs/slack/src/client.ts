import { ErrorCode, LogLevel, WebClient, type RetryOptions } from '@slack/web-api';
import type { Logger } from 'pino';
import { SlackAdapterError } from './errors';

export interface SlackClientConfig {
  botToken: string;
  /** Slack's API by default; the stand-in's `http://127.0.0.1:PORT/api/` in tests. */
  slackApiUrl?: string;
  /**
   * The client's own retries. Kept short on purpose: the `notify` queue retries for minutes
   * (honouring Retry-After), so a worker is never parked inside one HTTP call for half an hour
   * (the library's default is 10 retries over ~30 minutes).
   */
  retryConfig?: RetryOptions;
  /** Per-call timeout, ms. */
  timeoutMs?: number;
  logger?: Logger;
}

/** Two quick retries for network blips and 5xx; a 429 is never waited out in-process. */
export const DEFAULT_RETRY_CONFIG: RetryOptions = { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1000, randomize: true };

/**
 * The one way this platform builds a `WebClient`: explicit retries, rate-limited calls rejected
 * (so the caller — usually the notify queue — decides when to try again), a timeout, and the
 * library's log lines routed to pino at warn level.
 */
export function createSlackClient(config: SlackClientConfig): WebClient {
  return new WebClient(config.botToken, {
    ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
    retryConfig: config.retryConfig ?? DEFAULT_RETRY_CONFIG,
    rejectRateLimitedCalls: true,
    timeout: config.timeoutMs ?? 10_000,
    ...(config.logger ? { logger: pinoToSlackLogger(config.logger), logLevel: LogLevel.WARN } : {}),
  });
}

/**
 * The client for views.open/views.update: a trigger id expires 3 s after the click, so no
 * retries and a 2.5 s timeout (the caller tells the person to try again on failure).
 */
export function createModalClient(config: Omit<SlackClientConfig, 'retryConfig' | 'timeoutMs'>): WebClient {
  return createSlackClient({ ...config, retryConfig: { retries: 0 }, timeoutMs: 2500 });
}

/** Maps a @slack/web-api failure to this lib's error (keeps Retry-After for the queue). */
export function toSlackError(err: unknown, method: string): SlackAdapterError {
  const e = err as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string } };
  switch (e?.code) {
    case ErrorCode.RateLimitedError:
      return new SlackAdapterError('SLACK_RATE_LIMITED', 'rate_limited', `Slack rate-limited ${method}; retry after ${e.retryAfter ?? '?'} s.`, {
        cause: err,
        retryAfterMs: (e.retryAfter ?? 1) * 1000,
      });
    case ErrorCode.HTTPError:
    case ErrorCode.RequestError:
      return new SlackAdapterError('SLACK_UNAVAILABLE', 'unavailable', `Slack did not answer ${method} (${e.statusCode ?? 'network error'}).`, { cause: err });
    case ErrorCode.PlatformError:
      return new SlackAdapterError('SLACK_CALL_FAILED', 'internal', `Slack refused ${method}: ${e.data?.error ?? 'unknown error'}.`, { cause: err });
    default:
      return new SlackAdapterError('SLACK_CALL_FAILED', 'internal', `Calling Slack ${method} failed: ${(err as Error)?.message ?? String(err)}.`, { cause: err });
  }
}

function pinoToSlackLogger(logger: Logger) {
  const child = logger.child({ component: 'slack-web-api' });
  let level: LogLevel = LogLevel.WARN;
  return {
    debug: (...msg: unknown[]) => child.debug(msg.map(String).join(' ')),
    info: (...msg: unknown[]) => child.info(msg.map(String).join(' ')),
    warn: (...msg: unknown[]) => child.warn(msg.map(String).join(' ')),
    error: (...msg: unknown[]) => child.error(msg.map(String).join(' ')),
    setLevel: (l: LogLevel) => void (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}
