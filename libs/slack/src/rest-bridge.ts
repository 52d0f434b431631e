import type { FastifyInstance } from 'fastify';

/** The person a Slack interaction acts for, as the platform's REST API expects it. */
export interface ActingPerson {
  email: string;
  slackUserId: string;
  name?: string;
}

export interface BridgeAnswer<T = unknown> {
  status: number;
  body: T;
  /** The problem+json `detail` / `code` of a refusal. */
  detail?: string;
  code?: string;
}

/**
 * Slack routes act through the service's own REST routes, in-process (`inject`, no network):
 * the very same validation, policy checks, state transitions, audit events and notifications
 * as any other tool, authenticated as the `slack` tool with the Slack user as acting person.
 * No lifecycle logic is duplicated on the Slack side.
 */
export interface RestBridge {
  call<T = unknown>(method: 'GET' | 'POST', url: string, person: ActingPerson, body?: unknown): Promise<BridgeAnswer<T>>;
}

export function createRestBridge(app: FastifyInstance, bearerToken: string): RestBridge {
  return {
    async call(method, url, person, body) {
      const res = await app.inject({
        method,
        url,
        headers: {
          authorization: `Bearer ${bearerToken}`,
          'x-acting-user': person.email,
          'x-acting-slack-id': person.slackUserId,
          ...(person.name ? { 'x-acting-name': person.name.slice(0, 200) } : {}),
          'x-request-id': `slack-${Date.now().toString(36)}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      let parsed: unknown = undefined;
      try {
        parsed = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        parsed = res.body;
      }
      const problem = res.statusCode >= 400 ? (parsed as { detail?: string; code?: string } | undefined) : undefined;
      return {
        status: res.statusCode,
        body: parsed as never,
        ...(problem?.detail ? { detail: problem.detail } : {}),
        ...(problem?.code ? { code: problem.code } : {}),
      };
    },
  };
}
