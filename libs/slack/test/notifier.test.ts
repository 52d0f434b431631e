import { randomBytes } from 'node:crypto';
import type { AccessRequest } from '@dbre/domain';
import { closeRedis, closeWorker, createQueue, createRedis, type TypedQueue } from '@dbre/queue';
import { captureLogger, testServices, uniqueName, waitFor } from '@dbre/testing';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { startSlackStandIn, type SlackStandIn } from '../../../tools/slack-stand-in/src';
import { createPendingStore, createSlackClient, createSlackDelivery, createSlackNotifier, createSlackNotifyWorker, notifyJobId, type PendingStore } from '../src';

// The root config runs projects, where a preset's testTimeout is not applied: set it here.
jest.setTimeout(60_000);

const now = new Date();
const request: AccessRequest = {
  id: '01JZ0000000000000000000001',
  requester: { slackUserId: 'U0ALICE', email: 'alice@example.com', displayName: 'Alice' },
  target: { clusterId: 'orders-prod', database: 'orders', environment: 'prod' },
  profile: 'read',
  privileges: ['SELECT'],
  durationMinutes: 60,
  reason: 'investigate INC-1234 slow checkout',
  approvalsRequired: 2,
  approvals: [],
  extensions: [],
  requestedAt: now.toISOString(),
  reviewExpiresAt: new Date(now.getTime() + 3600_000).toISOString(),
  resources: {},
  state: 'requested',
  version: 1,
  updatedAt: now.toISOString(),
};

describe('Slack notifier through the notify queue', () => {
  let standIn: SlackStandIn;
  let producer: Redis;
  let workerConn: Redis;
  let queue: TypedQueue<'notify'>;
  let worker: Worker;
  let store: PendingStore;
  let current: AccessRequest = request;
  const prefix = uniqueName('slacknotify');

  beforeAll(async () => {
    standIn = await startSlackStandIn({ users: [{ id: 'U0ALICE', email: 'alice@example.com' }] });
    producer = createRedis(testServices.redisUrl, 'producer');
    workerConn = createRedis(testServices.redisUrl, 'worker');
    await waitFor(() => producer.status === 'ready');
    const { logger } = captureLogger();
    queue = createQueue('notify', producer, { prefix });
    store = createPendingStore(producer, { prefix, sealKey: randomBytes(32) });
    const client = createSlackClient({ botToken: 'xoxb-test', slackApiUrl: standIn.url, logger });
    const delivery = createSlackDelivery({
      client,
      store,
      channels: { approvals: 'C0APPROVE', requests: 'C0REQUEST' },
      loadRequest: async (id) => (id === current.id ? current : undefined),
      logger,
    });
    worker = createSlackNotifyWorker({ connection: workerConn, prefix, logger, delivery, baseDelayMs: 20, maxDelayMs: 2000 });
  });
  afterAll(async () => {
    await closeWorker(worker, 5000);
    await queue.obliterate({ force: true });
    await queue.close();
    await closeRedis(workerConn);
    await closeRedis(producer);
    await standIn.close();
  });
  beforeEach(() => standIn.reset());

  const notifier = () => createSlackNotifier({ store, queue, logger: captureLogger().logger });

  it('a 429 storm and a 500 outage delay messages but lose none and post none twice', async () => {
    standIn.fail('chat.postMessage', { status: 429, retryAfterSeconds: 1, times: 12 });
    standIn.fail('chat.postMessage', { status: 500, times: 4 });
    const n = notifier();
    const ids = Array.from({ length: 20 }, (_, i) => `storm:${prefix}:${i}`);
    // send() never waits for Slack: it only stores and enqueues. With the queue paused, every send
    // (and a duplicate) returns before Slack has been called once, each message queued.
    await queue.pause();
    await Promise.all(ids.map((id, i) => n.send({ id, kind: 'notice', to: 'U0ALICE', text: `message ${i}` })));
    await n.send({ id: ids[0]!, kind: 'notice', to: 'U0ALICE', text: 'message 0' }); // a duplicate send
    expect(standIn.calls).toHaveLength(0);
    const queued = await Promise.all(ids.map(async (id) => (await queue.getJob(notifyJobId(id)))?.id));
    expect(queued).toEqual(ids.map(notifyJobId));
    await queue.resume();

    await waitFor(() => standIn.accepted('chat.postMessage').length >= 20, { timeoutMs: 40_000, what: '20 delivered messages' });
    await new Promise((r) => setTimeout(r, 300)); // nothing more may arrive
    const texts = standIn.accepted('chat.postMessage').map((c) => c.args['text']);
    expect(texts.sort()).toEqual(ids.map((_, i) => `message ${i}`).sort());
    expect(standIn.calls.filter((c) => c.status === 429)).toHaveLength(12);
    expect(standIn.calls.filter((c) => c.status === 500)).toHaveLength(4);
  });

  it('skips a recipient who has no Slack account instead of retrying for hours (the outbox has it)', async () => {
    const id = `ghost:${prefix}`;
    await notifier().send({ id, kind: 'notice', to: 'ghost@example.com', text: 'hello ghost' });
    const job = await waitFor(async () => {
      const j = await queue.getJob(notifyJobId(id));
      return j && (await j.isCompleted()) ? j : undefined;
    }, { what: 'the job to complete' });
    expect(job.attemptsMade).toBeLessThanOrEqual(1);
    expect(standIn.accepted('users.lookupByEmail')).toHaveLength(0); // Slack answered users_not_found
    expect(standIn.calls.filter((c) => c.method === 'users.lookupByEmail')).toHaveLength(1);
    expect(standIn.accepted('chat.postMessage')).toHaveLength(0);
  });

  it('announces a request: approvers channel, public thread, DM with Cancel; then updates it in place', async () => {
    current = request;
    await notifier().send({ id: `requested:${request.id}`, kind: 'requested', to: 'alice@example.com', text: 'requested', requestId: request.id });
    await waitFor(() => standIn.accepted('chat.postMessage').length >= 3, { what: 'three posts' });
    const [approvers, publicPost, dm] = standIn.accepted('chat.postMessage');
    expect(approvers?.args).toMatchObject({ channel: 'C0APPROVE' });
    const blocks = approvers?.args['blocks'] as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>;
    expect(blocks.find((b) => b.type === 'actions')?.elements?.map((e) => [e.action_id, e.value])).toEqual([
      ['access_approve', request.id],
      ['access_deny', request.id],
    ]);
    expect(JSON.stringify(blocks)).toContain('Needs 2 approvals from different people: 0/2');
    expect(publicPost?.args).toMatchObject({ channel: 'C0REQUEST' });
    expect(dm?.args).toMatchObject({ channel: 'U0ALICE' });
    expect(JSON.stringify(dm?.args['blocks'])).toContain('access_cancel');

    current = { ...request, state: 'denied', decidedAt: new Date().toISOString(), denial: { by: { slackUserId: 'U0BOB', email: 'bob@example.com' }, at: new Date().toISOString(), reason: 'use the replica' }, version: 2 };
    await notifier().send({ id: `denied:${request.id}`, kind: 'request.denied', to: 'alice@example.com', text: 'Your request was denied: use the replica', requestId: request.id });
    await waitFor(() => standIn.accepted('chat.update').length >= 1 && standIn.accepted('chat.postMessage').length >= 6, { what: 'update, two thread posts and a DM' });
    const update = standIn.accepted('chat.update')[0]!;
    expect(update.args).toMatchObject({ channel: 'C0APPROVE', ts: approvers?.args['ts'] ?? expect.any(String) });
    expect(JSON.stringify(update.args['blocks'])).toMatch(/Denied\*.*<@U0BOB>/);
    expect(JSON.stringify(update.args['blocks'])).not.toContain('access_approve');
    const threadPosts = standIn.accepted('chat.postMessage').slice(3).filter((c) => c.args['thread_ts']);
    expect(threadPosts.map((c) => c.args['channel']).sort()).toEqual(['C0APPROVE', 'C0REQUEST']);
  });

  it('seals credentials at rest, DMs only the connection steps with Show credentials, then forgets them', async () => {
    const active: AccessRequest = {
      ...request,
      state: 'active',
      endsAt: new Date(Date.now() + 3600_000).toISOString(),
      resources: { dbUser: 'jit_alice_x1', connect: { host: '127.0.0.1', port: 40001 }, secretId: 'dbre/jit/x1' },
      version: 5,
    };
    current = active;
    const id = `credentials:${request.id}`;
    await notifier().send({ id, kind: 'credentials', to: 'alice@example.com', text: 'user jit_alice_x1 password S3cret-Pa55word-!xyz', requestId: request.id, sensitive: true });
    const keys = await producer.keys(`${prefix}:slack:n:*`);
    const raw = await Promise.all(keys.map((k) => producer.get(k)));
    expect(raw.join('')).not.toContain('S3cret-Pa55word');

    await waitFor(() => standIn.accepted('chat.postMessage').some((c) => c.args['channel'] === 'U0ALICE'), { what: 'credentials DM' });
    const dm = standIn.accepted('chat.postMessage').find((c) => c.args['channel'] === 'U0ALICE')!;
    const text = JSON.stringify(dm.args);
    expect(text).toContain('jit_alice_x1');
    expect(text).toContain('mysql -h 127.0.0.1 -P 40001 -u jit_alice_x1 -p orders');
    expect(text).not.toContain('S3cret-Pa55word');
    expect(text).toContain('access_show_credentials');
    expect(text).toContain('access_end');
    await waitFor(async () => !(await producer.get(`${prefix}:slack:n:${id}`))?.includes('sealed'), { what: 'sealed payload forgotten' });

    // The end of access rewrites that DM in place: no buttons, says it ended.
    current = { ...active, state: 'revoked', revokedAt: new Date().toISOString(), revokeReason: 'expired', version: 8 };
    await notifier().send({ id: `revoked:${request.id}`, kind: 'revoked', to: 'alice@example.com', text: 'Your access ended.', requestId: request.id });
    const update = await waitFor(() => standIn.accepted('chat.update').find((c) => c.args['ts'] === dm.result?.['ts']), { what: 'the credentials DM rewritten' });
    expect(update.args['channel']).toBe(dm.result?.['channel'] ?? 'U0ALICE');
    expect(JSON.stringify(update.args['blocks'])).toContain('Database access ended');
    expect(JSON.stringify(update.args['blocks'])).toContain('(expired)');
    expect(JSON.stringify(update.args['blocks'])).not.toContain('"actions"');
  });

  it('a reminder is posted while the request waits, escalated with a user-group mention; once decided it is dropped', async () => {
    const done = async (id: string) =>
      waitFor(async () => {
        const job = await queue.getJob(notifyJobId(id));
        return job && (await job.getState()) === 'completed' ? true : undefined;
      }, { what: `notification ${id} handled` });
    // A reason written to ping everyone is shown as text, never as a mention.
    current = { ...request, id: '01JZ0000000000000000000009', state: 'requested', reason: 'urgent <!channel> <@U0BOSS> look' };
    const waiting = `reminder-${current.id}-2-bob:${prefix}`;
    await notifier().send({ id: waiting, kind: 'reminder', to: 'bob@example.com', requestId: current.id, text: 'Reminder 2/3', data: { attempt: 2, of: 3, escalate: { channel: 'C0LEADS', userGroup: 'S0LEADS' } } });
    await done(waiting);
    // The previous test's end-of-access messages may still arrive: only this request's posts count.
    const about = () => standIn.accepted('chat.postMessage').filter((c) => String(c.args['text']).includes(current.id));
    const posts = about();
    expect(posts.map((c) => [c.args['channel'], c.args['text']])).toEqual([
      ['C0APPROVE', `Reminder 2/3: request ${current.id} is still waiting for approval`],
      ['C0LEADS', `Escalated: access request ${current.id} is still waiting for approval`],
    ]);
    expect(JSON.stringify(posts[1]!.args['blocks'])).toContain('<!subteam^S0LEADS>');
    expect(JSON.stringify(posts.map((c) => c.args))).not.toContain('<!channel>');
    expect(JSON.stringify(posts[1]!.args['blocks'])).toContain('urgent &lt;!channel&gt; &lt;@U0BOSS&gt; look');

    standIn.reset();
    current = { ...current, state: 'approved', approvals: [{ by: { email: 'bob@example.com' }, at: new Date().toISOString() }] };
    const late = `reminder-${current.id}-3-bob:${prefix}`;
    await notifier().send({ id: late, kind: 'reminder', to: 'bob@example.com', requestId: current.id, text: 'Reminder 3/3', data: { attempt: 3, of: 3, escalate: { channel: 'C0LEADS' } } });
    await done(late);
    expect(about()).toEqual([]);
    current = request;
  });

  it('never posts the text of a sensitive notification it cannot render', async () => {
    const id = `sensitive-other:${prefix}`;
    // The previous test's end-of-access DM to U0ALICE (request orders-prod) may still be on its way: skip it.
    const before = standIn.accepted('chat.postMessage').length;
    await notifier().send({ id, kind: 'something-new', to: 'U0ALICE', text: 'token hunter2-secret', sensitive: true });
    const dm = await waitFor(() => standIn.accepted('chat.postMessage').slice(before).find((c) => c.args['channel'] === 'U0ALICE' && !String(c.args['text']).includes('orders-prod')), { what: 'the DM' });
    expect(JSON.stringify(standIn.accepted('chat.postMessage').slice(before).map((c) => c.args))).not.toContain('hunter2');
    expect(String(dm.args['text'])).toBe('You have a new message from the database access platform; open the platform to read it.');
  });
});
