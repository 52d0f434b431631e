import type { FastifyRequest } from 'fastify';
import { rawBodyOf } from './inbound';
import type { ReplayCache } from './replay-cache';

/** Where approval-api serves the approver side of the Slack app (`<prefix>/interactions`). */
export const SLACK_APPROVALS_PREFIX = '/slack/approvals';

/** Where schema-review serves `/schema-review` (`<prefix>/commands`) and its modal (`<prefix>/interactions`). */
export const SLACK_REVIEWS_PREFIX = '/slack/reviews';

export interface ForwardedAnswer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * Forwards a verified Slack request, byte for byte with its signature headers, to another
 * service of the platform (one Slack app has one interactivity URL: request-api receives every
 * interaction and hands the approver's to approval-api, which verifies the signature again and
 * may claim it in the shared replay cache only because it was handed off to it).
 */
export async function forwardSlackRequest(request: FastifyRequest, targetUrl: string, handOff: { cache: ReplayCache; to: string }, timeoutMs = 2500): Promise<ForwardedAnswer> {
  // The replay cache is shared by every service: the target may claim this signature once, because we said so.
  const signature = request.headers['x-slack-signature'];
  if (typeof signature === 'string') await handOff.cache.handOff(signature, handOff.to);
  const headers: Record<string, string> = { 'content-type': String(request.headers['content-type'] ?? 'application/x-www-form-urlencoded') };
  for (const name of ['x-slack-signature', 'x-slack-request-timestamp', 'x-slack-retry-num', 'x-slack-retry-reason']) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const res = await fetch(targetUrl, { method: 'POST', headers, body: rawBodyOf(request) ?? '', signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, contentType: res.headers.get('content-type') ?? 'text/plain', body: await res.text() };
}
