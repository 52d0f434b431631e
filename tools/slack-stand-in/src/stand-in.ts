import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';

/**
 * A Slack Web API stand-in on loopback for tests: the methods the platform uses, every call
 * recorded (JSON fields such as `blocks` and `view` decoded), and failures on demand (HTTP 429
 * with Retry-After, HTTP 500, or a Slack `ok:false` error). Point the real `WebClient` at
 * `standIn.url` with `slackApiUrl`.
 */
export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  token?: string;
  /** HTTP status the stand-in answered. */
  status: number;
  /** `ok` of the answer (false for scripted and validation errors). */
  ok: boolean;
  /** The JSON answered (e.g. the `ts` of a posted message). */
  result?: Record<string, unknown>;
  at: number;
}

export interface StandInUser {
  id: string;
  email?: string;
  name?: string;
  realName?: string;
}

export interface Failure {
  /** 429 (rate limited), 500 (outage) or 200 with `ok:false` and `error`. */
  status: 429 | 500 | 200;
  retryAfterSeconds?: number;
  error?: string;
  /** How many calls fail before the method works again (default 1). */
  times?: number;
}

export interface SlackStandIn {
  /** Base URL for `slackApiUrl` (ends with `/api/`). */
  url: string;
  calls: RecordedCall[];
  /** Calls of a method that Slack accepted (HTTP 200 and ok). */
  accepted(method: string): RecordedCall[];
  /** Makes the next calls of a method (or `*` for any) fail. */
  fail(method: string, failure: Failure): void;
  users: Map<string, StandInUser>;
  usergroups: Map<string, string[]>;
  reset(): void;
  close(): Promise<void>;
}

const JSON_FIELDS = ['blocks', 'view', 'attachments', 'metadata'];
let counter = 0;
const ts = () => `${Math.floor(Date.now() / 1000)}.${String(++counter).padStart(6, '0')}`;

function decode(body: unknown): Record<string, unknown> {
  const args: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const field of JSON_FIELDS) {
    if (typeof args[field] === 'string') {
      try {
        args[field] = JSON.parse(args[field] as string);
      } catch {
        // kept as sent: a test may assert on it
      }
    }
  }
  return args;
}

export async function startSlackStandIn(options: { users?: StandInUser[]; usergroups?: Record<string, string[]>; token?: string } = {}): Promise<SlackStandIn> {
  const app: FastifyInstance = Fastify({ logger: false });
  const calls: RecordedCall[] = [];
  const failures = new Map<string, Failure[]>();
  const users = new Map((options.users ?? []).map((u) => [u.id, u]));
  const usergroups = new Map(Object.entries(options.usergroups ?? {}));
  let viewCounter = 0;

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const userJson = (u: StandInUser) => ({
    id: u.id,
    name: u.name ?? u.id.toLowerCase(),
    real_name: u.realName ?? u.name ?? u.id,
    profile: { email: u.email, display_name: u.name ?? '', real_name: u.realName ?? u.name ?? u.id },
  });

  const methods: Record<string, (args: Record<string, unknown>) => Record<string, unknown>> = {
    'auth.test': () => ({ user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0STANDIN' }),
    'chat.postMessage': (a) => {
      if (!a['channel']) return { ok: false, error: 'channel_not_found' };
      const at = ts();
      return { channel: a['channel'], ts: at, message: { ts: at, text: a['text'], blocks: a['blocks'] } };
    },
    'chat.update': (a) => (a['channel'] && a['ts'] ? { channel: a['channel'], ts: a['ts'], text: a['text'] } : { ok: false, error: 'message_not_found' }),
    'chat.postEphemeral': (a) => (a['channel'] && a['user'] ? { message_ts: ts() } : { ok: false, error: 'channel_not_found' }),
    'views.open': (a) => (a['trigger_id'] ? { view: { ...(a['view'] as object), id: `V${++viewCounter}`, hash: `h${viewCounter}` } } : { ok: false, error: 'invalid_trigger_id' }),
    'views.update': (a) => ({ view: { ...(a['view'] as object), id: a['view_id'] ?? 'V0', hash: `h${++viewCounter}` } }),
    'views.push': (a) => ({ view: { ...(a['view'] as object), id: `V${++viewCounter}` } }),
    'users.info': (a) => {
      const u = users.get(String(a['user']));
      return u ? { user: userJson(u) } : { ok: false, error: 'user_not_found' };
    },
    'users.lookupByEmail': (a) => {
      const u = [...users.values()].find((x) => x.email?.toLowerCase() === String(a['email']).toLowerCase());
      return u ? { user: userJson(u) } : { ok: false, error: 'users_not_found' };
    },
    'usergroups.users.list': (a) => {
      const members = usergroups.get(String(a['usergroup']));
      return members ? { users: members } : { ok: false, error: 'no_such_subteam' };
    },
    'conversations.open': (a) => ({ channel: { id: `D${String(a['users'] ?? '').split(',')[0]}` } }),
  };

  app.post<{ Params: { method: string } }>('/api/:method', async (request, reply) => {
    const method = request.params.method;
    const args = decode(request.body ?? {});
    const auth = request.headers.authorization;
    const token = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : (args['token'] as string | undefined);
    delete args['token'];
    const record = (status: number, ok: boolean, result?: Record<string, unknown>) =>
      calls.push({ method, args, ...(token ? { token } : {}), status, ok, at: Date.now(), ...(result ? { result } : {}) });

    const key = failures.has(method) ? method : '*';
    const queue = failures.get(key);
    const failure = queue?.[0];
    if (queue && failure) {
      failure.times = (failure.times ?? 1) - 1;
      if (failure.times <= 0) queue.shift();
      if (!queue.length) failures.delete(key);
      record(failure.status, false);
      if (failure.status === 429) return reply.status(429).header('retry-after', String(failure.retryAfterSeconds ?? 1)).send({ ok: false, error: 'ratelimited' });
      if (failure.status === 500) return reply.status(500).send('internal error');
      return { ok: false, error: failure.error ?? 'fatal_error' };
    }
    if (!token || (options.token ? token !== options.token : !token.startsWith('xox'))) {
      record(200, false);
      return { ok: false, error: token ? 'invalid_auth' : 'not_authed' };
    }
    const impl = methods[method];
    if (!impl) {
      record(200, false);
      return { ok: false, error: 'unknown_method' };
    }
    const answer = { ok: true, ...impl(args) };
    record(200, answer.ok !== false, answer);
    return answer;
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    accepted: (method) => calls.filter((c) => c.method === method && c.status === 200 && c.ok),
    fail(method, failure) {
      const list = failures.get(method) ?? [];
      list.push({ ...failure });
      failures.set(method, list);
    },
    users,
    usergroups,
    reset() {
      calls.length = 0;
      failures.clear();
    },
    close: () => app.close(),
  };
}
