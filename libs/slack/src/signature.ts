import { createHmac, timingSafeEqual } from 'node:crypto';
import { SlackAdapterError } from './errors';

/** Slack's request-signing version; the only one that exists. */
const VERSION = 'v0';
/** Slack's documented tolerance between its clock and ours. */
export const SLACK_TIMESTAMP_WINDOW_SECONDS = 5 * 60;

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` — exactly what Slack sends. */
export function computeSlackSignature(signingSecret: string, timestamp: string | number, rawBody: string | Buffer): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`${VERSION}:${timestamp}:`);
  hmac.update(rawBody);
  return `${VERSION}=${hmac.digest('hex')}`;
}

/** Headers a request signed like Slack signs it carries (tests, the stand-in, tools). */
export function signSlackRequest(signingSecret: string, rawBody: string, nowSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const timestamp = String(nowSeconds);
  return {
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': computeSlackSignature(signingSecret, timestamp, rawBody),
  };
}

export interface VerifyInput {
  signingSecret: string;
  rawBody: string | Buffer;
  timestamp: string | undefined;
  signature: string | undefined;
  /** Seconds since the epoch; injectable for tests. */
  nowSeconds?: number;
  windowSeconds?: number;
}

/**
 * Verifies a Slack request signature (v0). Throws SlackAdapterError (kind `unauthorized`) with
 * a message saying which check failed; the comparison runs in constant time.
 */
export function verifySlackSignature(input: VerifyInput): void {
  const { timestamp, signature } = input;
  if (!timestamp || !signature) {
    throw new SlackAdapterError('SLACK_SIGNATURE_MISSING', 'unauthorized', 'Slack signature headers (X-Slack-Signature, X-Slack-Request-Timestamp) are missing.');
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new SlackAdapterError('SLACK_SIGNATURE_INVALID', 'unauthorized', 'X-Slack-Request-Timestamp is not a Unix timestamp.');
  }
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  const window = input.windowSeconds ?? SLACK_TIMESTAMP_WINDOW_SECONDS;
  if (Math.abs(now - Number(timestamp)) > window) {
    throw new SlackAdapterError('SLACK_TIMESTAMP_STALE', 'unauthorized', `The Slack request timestamp is more than ${window} seconds away from the server clock; refused as a possible replay.`);
  }
  const expected = Buffer.from(computeSlackSignature(input.signingSecret, timestamp, input.rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // timingSafeEqual needs equal lengths; a length mismatch is already a mismatch.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new SlackAdapterError('SLACK_SIGNATURE_INVALID', 'unauthorized', 'The Slack request signature does not match the signing secret.');
  }
}
