/**
 * `/schema-review` from Slack: signed requests built exactly as Slack builds them. The command
 * goes to schema-review (its own URL in the manifest); the modal's submission goes to request-api
 * (the app's one interactivity URL), whose real Slack route module forwards it to schema-review
 * by callback id; schema-review posts the summary and the findings thread through the real
 * @slack/web-api client to the recording stand-in, and stores the review (dynalite).
 */
import { randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { AccessPolicy } from '@dbre/domain';
import type { Inventory, SecretStore } from '@dbre/drivers';
import { closeRedis, createRedis } from '@dbre/queue';
import { resolveConfig } from '@dbre/review';
import { apiClientsOf, createHttpApp, createLifecycle, type HttpApp } from '@dbre/service-kit';
import { createMemoryReplayCache, createModalClient, createSlackClient, createSlackKit, type SlackKit } from '@dbre/slack';
import { tableName, type AuditLog } from '@dbre/store';
import { captureLogger, startTestDynamo, uniqueName, waitFor } from '@dbre/testing';
import type { Redis } from 'ioredis';
import { registerRequestSlackRoutes } from '../../apps/request-api/src/slack/routes';
import { createReviewsRead } from '../../apps/ops-dashboard/src/read/reviews-read';
import { reviewsPage } from '../../apps/ops-dashboard/src/views/reviews';
import { buildApp } from '../../apps/schema-review/src/app';
import { interaction, slashCommand, startSlackStandIn, viewSubmission, type RecordedCall, type SlackStandIn } from '../slack-stand-in/src';

jest.setTimeout(60_000);

const SECRET = `sign-${randomBytes(12).toString('hex')}`;
const CHANNEL = 'C0REVIEWS';

type Values = Parameters<typeof viewSubmission>[0]['values'];
const values = (ddl: string, extra: { cluster?: string; schema?: string; channel?: string | null; dialect?: string } = {}): Values => ({
  ddl: { ddl: { type: 'plain_text_input', value: ddl } },
  dialect: { dialect: { type: 'static_select', selected_option: { value: extra.dialect ?? 'mysql80' } } },
  cluster: { cluster: { type: 'plain_text_input', value: extra.cluster ?? null } },
  schema: { schema: { type: 'plain_text_input', value: extra.schema ?? null } },
  channel: { channel: { type: 'conversations_select', selected_conversation: extra.channel === undefined ? CHANNEL : extra.channel } as never },
});
const blocksText = (c: RecordedCall | undefined) => JSON.stringify(c?.args['blocks'] ?? '');

describe('/schema-review in Slack', () => {
  let standIn: SlackStandIn;
  let db: Awaited<ReturnType<typeof startTestDynamo>>;
  let redis: Redis;
  let kit: SlackKit;
  let requestApi: HttpApp;
  let schemaReview: HttpApp;
  const log = captureLogger();
  let view = 0;

  beforeAll(async () => {
    standIn = await startSlackStandIn({ users: [{ id: 'U0ALICE', email: 'alice@example.com', name: 'alice' }] });
    db = await startTestDynamo();
    redis = createRedis('redis://127.0.0.1:6379', 'producer');
    await waitFor(() => redis.status === 'ready');
    schemaReview = await buildApp({
      clients: apiClientsOf({}),
      logger: log.logger,
      lifecycle: createLifecycle(),
      dynamo: db.dynamo,
      review: { config: resolveConfig({}), snapshotDir: '/nonexistent', maxSqlBytes: 100_000 },
      slack: {
        signingSecret: SECRET,
        replayCache: createMemoryReplayCache(),
        ui: createModalClient({ botToken: 'xoxb-e2e', slackApiUrl: standIn.url }),
        client: createSlackClient({ botToken: 'xoxb-e2e', slackApiUrl: standIn.url, retryConfig: { retries: 0 } }),
        dashboardUrl: 'https://ops.example.com/',
      },
    });
    const reviewUrl = await schemaReview.listen({ host: '127.0.0.1', port: 0 });
    // request-api's real Slack route module on a bare app: only the forwarding is exercised here.
    requestApi = await createHttpApp({ name: 'request-api', logger: log.logger, lifecycle: createLifecycle() });
    const settings = { botToken: 'xoxb-e2e', signingSecret: SECRET, apiUrl: standIn.url, approverUsers: [], command: '/db-access', schemaReviewUrl: reviewUrl };
    kit = createSlackKit({ settings, redis, prefix: uniqueName('srs'), sealKey: randomBytes(32), logger: log.logger, service: 'request-api' });
    await registerRequestSlackRoutes(requestApi, { kit, bridgeToken: 'unused', policy: {} as AccessPolicy, inventory: {} as Inventory, secrets: {} as SecretStore, audit: {} as AuditLog, logger: log.logger });
  });

  afterAll(async () => {
    await requestApi?.close();
    await schemaReview?.close();
    await kit?.queue.obliterate({ force: true });
    await kit?.close();
    if (redis) await closeRedis(redis);
    await db?.close();
    await standIn?.close();
  });

  const submit = (v: Values) => {
    view += 1;
    return requestApi.inject({ method: 'POST', url: '/slack/interactions', ...asInject(interaction(SECRET, { ...viewSubmission({ userId: 'U0ALICE', callbackId: 'schema_review', viewId: `VR${view}`, values: v }) })) });
  };
  const asInject = (signed: { headers: Record<string, string>; body: string }) => ({ headers: signed.headers, payload: signed.body });
  const posts = () => standIn.accepted('chat.postMessage');

  it('command -> modal; submission forwarded by request-api -> summary message and findings thread in Block Kit; stored', async () => {
    const cmd = await schemaReview.inject({ method: 'POST', url: '/slack/reviews/commands', ...asInject(slashCommand(SECRET, { command: '/schema-review', user_id: 'U0ALICE', channel_id: CHANNEL, text: "TRUNCATE TABLE t; -- a &lt;b&gt; &amp;amp; c" })) });
    expect(cmd.statusCode).toBe(200);
    const modal = standIn.accepted('views.open')[0]?.args['view'] as { callback_id: string; blocks: Array<{ block_id: string; element: Record<string, unknown> }> };
    expect(modal.callback_id).toBe('schema_review');
    expect(modal.blocks.map((b) => b.block_id)).toEqual(['ddl', 'dialect', 'cluster', 'schema', 'channel']);
    expect(modal.blocks[0]?.element).toMatchObject({ type: 'plain_text_input', multiline: true, initial_value: 'TRUNCATE TABLE t; -- a <b> &amp; c' });
    expect(modal.blocks[4]?.element).toMatchObject({ type: 'conversations_select', initial_conversation: CHANNEL });

    const res = await submit(values('CREATE TABLE orders (id int);\nTRUNCATE TABLE orders;'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ response_action: 'clear' });
    const thread = await waitFor(() => posts().find((c) => c.args['thread_ts']), { what: 'the findings thread' });
    const summary = posts().find((c) => c.args['channel'] === CHANNEL && !c.args['thread_ts']);
    expect(String(summary?.args['text'])).toMatch(/^:x: Schema review for <@U0ALICE>: \*\d+\* error\(s\)/);
    expect(thread.args['channel']).toBe(CHANNEL);
    expect(thread.args['thread_ts']).toBe(summary?.result?.['ts']);
    const blocks = thread.args['blocks'] as Array<{ type: string }>;
    expect(blocks[0]).toMatchObject({ type: 'header', text: { text: 'Schema review' } });
    expect(blocksText(thread)).toContain(':red_circle: Errors');
    expect(blocksText(thread)).toContain('safety-truncate');
    expect(blocksText(thread)).toContain(':large_orange_circle: Warnings');

    const stored = await waitFor(async () => (await db.dynamo.doc.send(new ScanCommand({ TableName: tableName(db.dynamo.tablePrefix, 'reviews') }))).Items?.[0], { what: 'the stored review' });
    expect(stored).toMatchObject({ source: 'slack', author: 'slack:U0ALICE', dialect: 'mysql80', verdict: 'fail' });
    // The dashboard's own reader and page show it (contract with apps/ops-dashboard).
    const read = await createReviewsRead({ dynamo: db.dynamo }).recent();
    expect(read.items.map((r) => r.id)).toEqual([stored['id']]);
    const page = reviewsPage(read).toString();
    for (const part of ['2 statement(s): CREATE TABLE orders', 'badge bad">fail', 'safety-truncate', 'slack · slack:U0ALICE']) expect(page).toContain(part);
  });

  it('links "…and N more" to the full review in the dashboard and labels online DDL with the server reviewed against', async () => {
    const ddl = ['CREATE TABLE t1 (a int);', ...Array.from({ length: 12 }, (_, i) => `ALTER TABLE t1 ADD COLUMN c${i + 1} int;`)].join('\n');
    const before = posts().length;
    await submit(values(ddl, { dialect: 'mysql57' }));
    const thread = await waitFor(() => posts().slice(before).find((c) => c.args['thread_ts'] && blocksText(c).includes('Online DDL')), { what: 'the findings thread' });
    const stored = await waitFor(async () => (await db.dynamo.doc.send(new ScanCommand({ TableName: tableName(db.dynamo.tablePrefix, 'reviews') }))).Items?.find((i) => i['dialect'] === 'mysql57'), { what: 'the stored 5.7 review' });
    const text = blocksText(thread);
    expect(text).toMatch(new RegExp(`<https://ops.example.com/reviews/${String(stored['id'])}\\|…and \\d+ more: the full review>`));
    expect(text).toContain('Online DDL (MySQL 5.7)');
    expect(text).not.toContain('Online DDL (MySQL 8.0)');
  });

  it('shows bad fields inline in the modal (through the forward) and posts nothing', async () => {
    const before = posts().length;
    const res = await submit(values('ALTER TABLE t ADD COLUMN c int;', { cluster: 'shop-prod' }));
    expect(res.json()).toEqual({ response_action: 'errors', errors: { schema: expect.stringMatching(/schema too/) } });
    const empty = await submit(values('   '));
    expect(empty.json()).toMatchObject({ response_action: 'errors', errors: { ddl: expect.any(String) } });
    expect(posts().length).toBe(before);
  });

  it('posts to the DM when no channel is chosen, and when the bot may not post in the channel', async () => {
    await submit(values('CREATE INDEX i ON t (a);', { channel: null }));
    await waitFor(() => posts().find((c) => c.args['channel'] === 'U0ALICE' && c.args['thread_ts']), { what: 'thread in the DM' });
    standIn.fail('chat.postMessage', { status: 200, error: 'not_in_channel' });
    await submit(values('DROP TABLE t2;', { channel: 'C0NOTMEMBER' }));
    const note = await waitFor(() => posts().find((c) => c.args['channel'] === 'U0ALICE' && String(c.args['text']).includes('could not post in <#C0NOTMEMBER>')), { what: 'DM fallback' });
    await waitFor(() => posts().find((c) => c.args['thread_ts'] === note.result?.['ts']), { what: 'findings under the DM fallback' });
  });

  it('reviews a double submission of the same modal state once', async () => {
    const payload = viewSubmission({ userId: 'U0ALICE', callbackId: 'schema_review', viewId: 'VDUP', values: values('CREATE TABLE dup_once (id int);') });
    const now = Math.floor(Date.now() / 1000);
    for (const ts of [now, now - 1]) {
      const res = await requestApi.inject({ method: 'POST', url: '/slack/interactions', ...asInject(interaction(SECRET, payload, ts)) });
      expect(res.json()).toEqual({ response_action: 'clear' });
    }
    await waitFor(() => posts().find((c) => c.args['thread_ts'] && blocksText(c).includes('dup_once')), { what: 'the review of dup_once' });
    await new Promise((r) => setTimeout(r, 300));
    expect(posts().filter((c) => c.args['thread_ts'] && blocksText(c).includes('dup_once'))).toHaveLength(1);
  });

  it('answers inline that schema review is not connected when request-api has no SLACK_SCHEMA_REVIEW_URL', async () => {
    const url = kit.settings.schemaReviewUrl;
    delete kit.settings.schemaReviewUrl;
    try {
      const res = await submit(values('CREATE TABLE x (id bigint unsigned primary key);'));
      expect(res.json()).toEqual({ response_action: 'errors', errors: { ddl: expect.stringMatching(/not connected/) } });
    } finally {
      kit.settings.schemaReviewUrl = url!;
    }
  });

  it('refuses a bad signature with 401 and changes nothing', async () => {
    const opened = standIn.accepted('views.open').length;
    const before = posts().length;
    const wrong = slashCommand('not-the-secret-000000', { command: '/schema-review', user_id: 'U0ALICE' });
    expect((await schemaReview.inject({ method: 'POST', url: '/slack/reviews/commands', ...asInject(wrong) })).statusCode).toBe(401);
    const forged = interaction('not-the-secret-000000', viewSubmission({ userId: 'U0ALICE', callbackId: 'schema_review', viewId: 'VX', values: values('DROP TABLE t;') }));
    expect((await schemaReview.inject({ method: 'POST', url: '/slack/reviews/interactions', ...asInject(forged) })).statusCode).toBe(401);
    expect((await requestApi.inject({ method: 'POST', url: '/slack/interactions', ...asInject(forged) })).statusCode).toBe(401);
    // A changed body under a good signature is refused too.
    const good = slashCommand(SECRET, { command: '/schema-review', user_id: 'U0ALICE' });
    expect((await schemaReview.inject({ method: 'POST', url: '/slack/reviews/commands', headers: good.headers, payload: good.body.replace('U0ALICE', 'U0EVE00') })).statusCode).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(standIn.accepted('views.open').length).toBe(opened);
    expect(posts().length).toBe(before);
  });
});
