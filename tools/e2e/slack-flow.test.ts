/**
 * The Slack side of the access lifecycle, end to end: signed requests built exactly as Slack
 * builds them drive request-api and approval-api (their real apps, with the Slack route modules
 * registered the way main.ts does), the provisioner and reaper run for real, and every outbound
 * call goes through the real @slack/web-api client to the recording stand-in.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Worker } from 'bullmq';
import { parseSection, readPlatformFile } from '@dbre/config';
import { accessPolicySchema } from '@dbre/domain';
import { createConfigInventory, createFolderSink } from '@dbre/drivers';
import { closeRedis, closeWorker, createRedis } from '@dbre/queue';
import { alsoToSlack, createSlackDelivery, createSlackKit, createSlackNotifyWorker, type SlackKit } from '@dbre/slack';
import { waitFor } from '@dbre/testing';
import type { Redis } from 'ioredis';
import { createDatabaseDirectory } from '../../apps/request-api/src/slack/database-directory';
import { registerRequestSlackRoutes } from '../../apps/request-api/src/slack/routes';
import { registerApprovalSlackRoutes } from '../../apps/approval-api/src/slack/routes';
import { buttonClick, interaction, slashCommand, startSlackStandIn, viewSubmission, type RecordedCall, type SlackStandIn } from '../slack-stand-in/src';
import { actionIds, text, type Block } from './slack-calls';
import { pendingOfChange } from '@dbre/access';
import { ALICE, startAccessStack, TOKEN, type AccessStack } from './access-stack';

// The root config runs projects, where a preset's testTimeout is not applied: set it here.
jest.setTimeout(60_000);

const SECRET = `sign-${randomBytes(12).toString('hex')}`;
const APPROVALS = 'C0APPROVALS';
const REQUESTS = 'C0REQUESTS';


describe('the Slack app drives the access lifecycle', () => {
  let stack: AccessStack;
  let standIn: SlackStandIn;
  let kit: SlackKit;
  let approvalKit: SlackKit;
  let producer: Redis;
  let workerConn: Redis;
  let worker: Worker;

  beforeAll(async () => {
    standIn = await startSlackStandIn({
      users: [
        { id: 'U0ALICE', email: ALICE, name: 'alice' },
        { id: 'U0BOB', email: 'bob@example.com', name: 'bob' },
        { id: 'U0DAVE', email: 'dave@example.com', name: 'dave' },
        { id: 'U0CAROL', email: 'carol@example.com', name: 'carol' },
      ],
    });
    // 2 policy minutes of 1.5 s: the warning 1.5 s before the end.
    stack = await startAccessStack({ minuteMs: 1500, warnBeforeMinutes: 1 });
    producer = createRedis('redis://127.0.0.1:6379', 'producer');
    workerConn = createRedis('redis://127.0.0.1:6379', 'worker');
    await waitFor(() => producer.status === 'ready');
    const settings = { botToken: 'xoxb-e2e', signingSecret: SECRET, apiUrl: standIn.url, approversChannel: APPROVALS, requestsChannel: REQUESTS, approverUsers: [], command: '/db-access' };
    const sealKey = randomBytes(32);
    approvalKit = createSlackKit({ settings, redis: producer, prefix: stack.prefix, sealKey, logger: stack.logger, service: 'approval-api' });
    await registerApprovalSlackRoutes(stack.approvalApi, { kit: approvalKit, bridgeToken: TOKEN, audit: stack.audit, logger: stack.logger });
    // One Slack app: every interaction reaches request-api, which forwards Approve/Deny to approval-api.
    const approvalUrl = await stack.approvalApi.listen({ host: '127.0.0.1', port: 0 });
    kit = createSlackKit({ settings: { ...settings, approvalApiUrl: approvalUrl }, redis: producer, prefix: stack.prefix, sealKey, logger: stack.logger, service: 'request-api' });
    // As main.ts does: the local outbox keeps working, and Slack gets a copy through the queue.
    Object.assign(stack.outbox, alsoToSlack({ ...stack.outbox }, kit.notifier, stack.logger));
    // The same platform file the stack's services read: policy and inventory for the modal.
    const platformFile = String(stack.childEnv()['PLATFORM_CONFIG']);
    const platform = readPlatformFile(platformFile);
    const policy = parseSection(platformFile, 'access', accessPolicySchema, platform);
    const inventory = createConfigInventory({ path: platformFile, env: {} });
    // The doc-crawler's latest snapshot of devdb: the modal offers its databases.
    const docsDir = mkdtempSync(path.join(tmpdir(), 'slack-docs-'));
    mkdirSync(path.join(docsDir, 'devdb'));
    writeFileSync(path.join(docsDir, 'devdb', 'schema.json'), JSON.stringify({ clusterId: 'devdb', schemas: [{ name: stack.databases.granted, tables: [] }, { name: stack.databases.other, tables: [] }] }));
    const databases = createDatabaseDirectory({ sink: createFolderSink({ root: docsDir }) });
    await registerRequestSlackRoutes(stack.requestApi, { kit, bridgeToken: TOKEN, policy, inventory, secrets: stack.secrets, audit: stack.audit, databases, logger: stack.logger });
    const delivery = createSlackDelivery({ client: kit.client, store: kit.store, channels: { approvals: APPROVALS, requests: REQUESTS }, loadRequest: (id) => stack.requests.get(id), loadChange: (r) => pendingOfChange(stack.requests, r), logger: stack.logger });
    worker = createSlackNotifyWorker({ connection: workerConn, prefix: stack.prefix, logger: stack.logger, delivery, baseDelayMs: 50 });
  });

  afterAll(async () => {
    if (!worker) return; // set-up failed: the first error says why
    await closeWorker(worker, 5000);
    await kit.queue.obliterate({ force: true });
    await kit.close();
    await approvalKit.close();
    await stack.close();
    await closeRedis(workerConn);
    await closeRedis(producer);
    await standIn.close();
  });

  const post = (app: 'request' | 'approval', url: string, signed: { headers: Record<string, string>; body: string }) =>
    (app === 'request' ? stack.requestApi : stack.approvalApi).inject({ method: 'POST', url, headers: signed.headers, payload: signed.body });
  const posted = (pred: (c: RecordedCall) => boolean) => standIn.accepted('chat.postMessage').filter(pred);
  const aliceRequests = async () => (await stack.requests.listByRequester(ALICE, { limit: 50 })).items;

  it('slash command -> modal (errors inline) -> approver click (requester and non-approver refused) -> credentials DM -> warning -> end now', async () => {
    // 1. /db-access opens the modal; its cluster menu searches the inventory, grouped by environment.
    const cmd = await post('request', '/slack/commands', slashCommand(SECRET, { user_id: 'U0ALICE', channel_id: REQUESTS }));
    expect(cmd.statusCode).toBe(200);
    const opened = standIn.accepted('views.open')[0];
    const modal = opened?.args['view'] as { callback_id: string; blocks: Array<{ block_id: string; element: { type: string } }> };
    expect(modal.callback_id).toBe('access_request');
    expect(modal.blocks.find((b) => b.block_id === 'cluster')?.element.type).toBe('external_select');
    const suggest = (typed: string) =>
      post('request', '/slack/interactions', interaction(SECRET, { type: 'block_suggestion', user: { id: 'U0ALICE' }, action_id: 'access_cluster', block_id: 'cluster', value: typed, view: { id: 'V1', callback_id: 'access_request', private_metadata: '', state: { values: {} } } }));
    const all = await suggest('');
    expect(all.statusCode).toBe(200);
    expect((all.json() as { option_groups: Array<{ label: { text: string }; options: Array<{ value: string }> }> }).option_groups.map((g) => [g.label.text, g.options.map((o) => o.value)])).toEqual([
      ['Development', ['devdb']],
      ['Production', ['proddb']],
    ]);
    expect((await suggest('PROD')).json()).toMatchObject({ option_groups: [{ options: [{ value: 'proddb' }] }] });
    // The database menu offers the chosen cluster's databases from the latest docs snapshot.
    expect(modal.blocks.find((b) => b.block_id === 'database')?.element.type).toBe('external_select');
    const dbSuggest = await post(
      'request',
      '/slack/interactions',
      interaction(SECRET, { type: 'block_suggestion', user: { id: 'U0ALICE' }, action_id: 'database', block_id: 'database', value: '', view: { id: 'V1', callback_id: 'access_request', private_metadata: '', state: { values: { cluster: { access_cluster: { type: 'external_select', selected_option: { value: 'devdb' } } } } } } }),
    );
    expect((dbSuggest.json() as { options: Array<{ value: string }> }).options.map((o) => o.value)).toEqual([stack.databases.granted, stack.databases.other].sort().concat('*'));

    // Picking a cluster narrows the durations to its environment (views.update).
    const pick = buttonClick({ userId: 'U0ALICE', actionId: 'access_cluster', value: '', channel: REQUESTS, messageTs: '0' });
    Object.assign(pick, { container: { type: 'view', view_id: 'V1' }, view: { id: 'V1', hash: 'h1', callback_id: 'access_request', private_metadata: '', state: { values: {} } }, actions: [{ action_id: 'access_cluster', block_id: 'cluster', type: 'static_select', selected_option: { value: 'devdb' } }] });
    expect((await post('request', '/slack/interactions', interaction(SECRET, pick))).statusCode).toBe(200);
    expect(text(standIn.accepted('views.update')[0] && { ...standIn.accepted('views.update')[0]!, args: { blocks: (standIn.accepted('views.update')[0]!.args['view'] as { blocks: unknown }).blocks } })).toContain('development');
    // …and pre-selects the environment's default duration (1 min in this stack's dev policy).
    const updated = standIn.accepted('views.update')[0]!.args['view'] as { blocks: Array<{ block_id: string; element: { initial_option?: { value: string } } }> };
    expect(updated.blocks.find((b) => b.block_id === 'duration')?.element.initial_option?.value).toBe('1');

    // 2. A submission with problems: errors inline, nothing created.
    const values = (reason: string, duration: string) => ({
      cluster: { access_cluster: { type: 'static_select', selected_option: { value: 'devdb' } } },
      database: { database: { type: 'plain_text_input', value: stack.databases.granted } },
      profile: { profile: { type: 'static_select', selected_option: { value: 'read' } } },
      duration: { duration: { type: 'static_select', selected_option: { value: duration } } },
      reason: { reason: { type: 'plain_text_input', value: reason } },
    });
    const bad = await post('request', '/slack/interactions', interaction(SECRET, viewSubmission({ userId: 'U0ALICE', callbackId: 'access_request', viewId: 'V1', values: values('too short', '60') })));
    expect(bad.statusCode).toBe(200);
    expect(bad.json()).toMatchObject({ response_action: 'errors', errors: { reason: expect.stringMatching(/at least 10 characters/) } });
    const tooLong = await post('request', '/slack/interactions', interaction(SECRET, { ...viewSubmission({ userId: 'U0ALICE', callbackId: 'access_request', viewId: 'V1', values: values('investigate OPS-1234 slow checkout', '60') }), view: { id: 'V1', hash: 'h2', callback_id: 'access_request', private_metadata: '', state: { values: values('investigate OPS-1234 slow checkout', '60') } } }));
    expect(tooLong.json()).toMatchObject({ response_action: 'errors', errors: { duration: expect.stringMatching(/exceeds the dev maximum/) } });
    expect(await aliceRequests()).toHaveLength(0);

    // 3. A good submission: the modal closes, the request exists, approvers see it.
    const good = await post('request', '/slack/interactions', interaction(SECRET, { ...viewSubmission({ userId: 'U0ALICE', callbackId: 'access_request', values: values('investigate OPS-1234 slow checkout', '2') }), view: { id: 'V1', hash: 'h3', callback_id: 'access_request', private_metadata: '', state: { values: values('investigate OPS-1234 slow checkout', '2') } } }));
    expect(good.json()).toEqual({ response_action: 'clear' });
    const [created] = await aliceRequests();
    expect(created).toMatchObject({ state: 'requested', requester: { email: ALICE, slackUserId: 'U0ALICE' }, durationMinutes: 2 });
    const id = created!.id;
    const approverPost = await waitFor(() => posted((c) => c.args['channel'] === APPROVALS && !c.args['thread_ts'])[0], { what: 'the approver message' });
    expect(actionIds(approverPost)).toEqual(['access_approve', 'access_deny']);
    expect(text(approverPost)).toContain('<@U0ALICE>');
    expect(text(approverPost)).toContain('investigate OPS-1234 slow checkout');
    await waitFor(() => posted((c) => c.args['channel'] === REQUESTS).length >= 1 && posted((c) => c.args['channel'] === 'U0ALICE').length >= 1, { what: 'public post and requester DM' });
    await new Promise((r) => setTimeout(r, 300)); // every approver's notification was handled
    // One announcement, whatever the number of approvers notified.
    expect(posted((c) => c.args['channel'] === APPROVALS && !c.args['thread_ts'])).toHaveLength(1);
    expect(posted((c) => c.args['channel'] === REQUESTS && !c.args['thread_ts'])).toHaveLength(1);
    const waiting = posted((c) => c.args['channel'] === 'U0ALICE');
    expect(waiting).toHaveLength(1);
    expect(actionIds(waiting[0])).toEqual(['access_cancel']);
    const ts = String(approverPost.result?.['ts']);

    // 4. The requester and a non-approver click Approve: refused, ephemerally, and audited.
    const click = (userId: string) => interaction(SECRET, buttonClick({ userId, actionId: 'access_approve', value: id, channel: APPROVALS, messageTs: ts }));
    expect((await post('request', '/slack/interactions', click('U0ALICE'))).statusCode).toBe(200);
    expect((await post('request', '/slack/interactions', click('U0DAVE'))).statusCode).toBe(200);
    const ephemerals = await waitFor(() => (standIn.accepted('chat.postEphemeral').length >= 2 ? standIn.accepted('chat.postEphemeral') : undefined), { what: 'two ephemeral refusals' });
    expect(ephemerals.map((c) => [c.args['user'], c.args['channel']])).toEqual([
      ['U0ALICE', APPROVALS],
      ['U0DAVE', APPROVALS],
    ]);
    expect(String(ephemerals[0]?.args['text'])).toMatch(/own request/);
    expect(String(ephemerals[1]?.args['text'])).toMatch(/not an approver/);
    expect((await stack.requests.require(id)).state).toBe('requested');
    const refusals = (await stack.audit.list(id)).filter((e) => e.kind === 'approval_refused');
    expect(refusals.map((e) => e.actor)).toEqual([ALICE, 'dave@example.com']);

    // 5. Bob approves: the message is updated in place (outcome, who, no buttons), the grant becomes active.
    expect((await post('request', '/slack/interactions', click('U0BOB'))).statusCode).toBe(200);
    const update = await waitFor(() => standIn.accepted('chat.update').find((c) => c.args['ts'] === ts), { what: 'the approver message update' });
    expect(update.args['channel']).toBe(APPROVALS);
    expect(text(update)).toMatch(/Approved\*.*by <@U0BOB>/);
    expect(actionIds(update)).toEqual([]);
    const active = await stack.waitState(id, 'active');

    // 6. The credentials DM: user, host:port through the bastion, the command; never the password.
    const creds = await waitFor(() => posted((c) => c.args['channel'] === 'U0ALICE' && text(c).includes('Your database access is ready'))[0], { what: 'credentials DM' });
    const password = await stack.secrets.get(active.resources.secretId!);
    expect(password).toBeTruthy();
    expect(text(creds)).toContain(active.resources.dbUser!);
    expect(text(creds)).toContain(`${active.resources.connect!.host}:${active.resources.connect!.port}`);
    expect(JSON.stringify(creds.args)).not.toContain(password!);
    expect(actionIds(creds)).toEqual(['access_show_credentials', 'access_extend', 'access_end']);
    // The one renderer's steps (locally no tunnel): the mysql line, then where the password is.
    const { host, port } = active.resources.connect!;
    const stepsOf = (blocks: unknown) => (blocks as Array<{ type: string; text?: { text: string } }>).filter((b) => b.type === 'section' && b.text?.text.startsWith('1. ')).map((b) => b.text!.text);
    expect(stepsOf(creds.args['blocks'])).toEqual([
      [
        '1. Connect (the client asks for the password):',
        `\`\`\`mysql -h ${host} -P ${port} -u ${active.resources.dbUser} -p ${active.target.database}\`\`\``,
        '2. Click *Show credentials* to see the password; it is not kept in this conversation.',
      ].join('\n'),
    ]);
    const endButton = ((creds.args['blocks'] as Block[]).flatMap((b) => b.elements ?? []) as Array<{ action_id?: string; confirm?: { title: { text: string } } }>).find((e) => e.action_id === 'access_end');
    expect(endButton?.confirm?.title.text).toBe('End access now?');

    // 6b. Show credentials: a modal with the password, read now; each opening audited. Bob cannot.
    const show = (userId: string, ts: string) =>
      post('request', '/slack/interactions', interaction(SECRET, { ...buttonClick({ userId, actionId: 'access_show_credentials', value: id, channel: 'D0ALICE', messageTs: String(creds.result?.['ts']) }), trigger_id: `trig-${ts}`, actions: [{ action_id: 'access_show_credentials', block_id: `credentials:${id}`, type: 'button', value: id, action_ts: ts }] }));
    const modalsBefore = standIn.accepted('views.open').length;
    expect((await show('U0ALICE', '1700000001.000001')).statusCode).toBe(200);
    expect((await show('U0ALICE', '1700000002.000002')).statusCode).toBe(200);
    expect((await show('U0BOB', '1700000003.000003')).statusCode).toBe(200);
    const modals = standIn.accepted('views.open').slice(modalsBefore).map((c) => c.args['view'] as { callback_id: string; blocks: unknown });
    expect(modals.map((m) => m.callback_id)).toEqual(['access_credentials', 'access_credentials', 'access_credentials']);
    expect(JSON.stringify(modals[0]!.blocks)).toContain(password!);
    // The modal: the same steps without the "Show credentials" one; the password only in its field.
    expect(stepsOf(modals[0]!.blocks)).toEqual([['1. Connect (the client asks for the password):', `\`\`\`mysql -h ${host} -P ${port} -u ${active.resources.dbUser} -p ${active.target.database}\`\`\``].join('\n')]);
    expect(JSON.stringify(modals[0]!.blocks).split(password!).length - 1).toBe(1);
    expect(JSON.stringify(modals[1]!.blocks)).toContain(password!);
    expect(JSON.stringify(modals[2]!.blocks)).not.toContain(password!);
    expect(JSON.stringify(modals[2]!.blocks)).toContain('Only the engineer who asked for this access');
    const viewed = (await stack.audit.list(id)).filter((e) => e.kind === 'credentials_viewed');
    expect(viewed.map((e) => [e.actor, e.data?.['refused'] ?? 'shown'])).toEqual([
      [ALICE, 'shown'],
      [ALICE, 'shown'],
      ['bob@example.com', 'not the requester'],
    ]);
    expect(JSON.stringify(viewed)).not.toContain(password!);
    expect(stack.logText()).not.toContain(password!);

    // 7. The warning before the end, with Extend / End now (confirmed).
    const warning = await waitFor(() => posted((c) => c.args['channel'] === 'U0ALICE' && text(c).includes('alarm_clock'))[0], { what: 'warning DM', timeoutMs: 15_000 });
    expect(actionIds(warning)).toEqual(['access_extend', 'access_end']);
    expect(text(warning)).toContain('End access now?');

    // 8. End now from the DM: revoked at once, the end DM, thread updates.
    const end = interaction(SECRET, buttonClick({ userId: 'U0ALICE', actionId: 'access_end', value: id, channel: 'D0ALICE', messageTs: String(warning.result?.['ts']) }));
    expect((await post('request', '/slack/interactions', end)).statusCode).toBe(200);
    const revoked = await stack.waitState(id, 'revoked', 10_000);
    expect(revoked.revokeReason).toBe('ended_by_requester');
    await waitFor(() => posted((c) => c.args['channel'] === 'U0ALICE' && text(c).includes(':lock: Your access')).length === 1, { what: 'end DM' });
    // The credentials and warning DMs are rewritten in place: access ended, no buttons left.
    for (const dm of [creds, warning]) {
      const rewritten = await waitFor(() => standIn.accepted('chat.update').find((c) => c.args['ts'] === dm.result?.['ts']), { what: 'DM rewritten at the end' });
      expect(text(rewritten)).toContain('Database access ended');
      expect(actionIds(rewritten)).toEqual([]);
    }
    // After the end, Show credentials says so and shows nothing.
    const afterEnd = standIn.accepted('views.open').length;
    expect((await show('U0ALICE', '1700000009.000009')).statusCode).toBe(200);
    expect(JSON.stringify(standIn.accepted('views.open')[afterEnd]?.args['view'])).toContain('This access has ended');
    const thread = await waitFor(() => {
      const events = posted((c) => c.args['channel'] === APPROVALS && c.args['thread_ts'] === ts).map((c) => text(c));
      return events.some((e) => e.includes('ended')) ? events : undefined;
    }, { what: 'thread events' });
    expect(thread.join('\n')).toMatch(/approved[\s\S]*active[\s\S]*end warning[\s\S]*ended by requester/);
  }, 60_000);

  it('Deny asks for a reason in a modal, refuses an empty one inline, then updates the message in place', async () => {
    const values = {
      cluster: { access_cluster: { type: 'static_select', selected_option: { value: 'devdb' } } },
      database: { database: { type: 'plain_text_input', value: stack.databases.granted } },
      profile: { profile: { type: 'static_select', selected_option: { value: 'write' } } },
      duration: { duration: { type: 'static_select', selected_option: { value: '1' } } },
      reason: { reason: { type: 'plain_text_input', value: 'backfill OPS-99 missing rows by hand' } },
    };
    const submitted = await post('request', '/slack/interactions', interaction(SECRET, viewSubmission({ userId: 'U0ALICE', callbackId: 'access_request', viewId: 'V20', values })));
    expect(submitted.json()).toEqual({ response_action: 'clear' });
    const id = (await aliceRequests()).find((r) => r.state === 'requested')!.id;
    const message = await waitFor(() => posted((c) => c.args['channel'] === APPROVALS && !c.args['thread_ts'] && text(c).includes(id))[0], { what: 'approver message' });
    const ts = String(message.result?.['ts']);

    const opens = standIn.accepted('views.open').length;
    const deny = interaction(SECRET, buttonClick({ userId: 'U0BOB', actionId: 'access_deny', value: id, channel: APPROVALS, messageTs: ts }));
    expect((await post('request', '/slack/interactions', deny)).statusCode).toBe(200);
    const modal = standIn.accepted('views.open')[opens]?.args['view'] as { callback_id: string; private_metadata: string };
    expect(modal.callback_id).toBe('access_deny_reason');
    expect(JSON.parse(modal.private_metadata)).toEqual({ requestId: id, channel: APPROVALS, ts });

    const reasonSubmit = (reason: string, viewId: string) =>
      interaction(SECRET, viewSubmission({ userId: 'U0BOB', callbackId: 'access_deny_reason', viewId, privateMetadata: modal.private_metadata, values: { reason: { reason: { type: 'plain_text_input', value: reason } } } }));
    const empty = await post('request', '/slack/interactions', reasonSubmit('', 'V21'));
    expect(empty.json()).toMatchObject({ response_action: 'errors', errors: { reason: expect.stringMatching(/reason/) } });
    expect((await stack.requests.require(id)).state).toBe('requested');
    const ok = await post('request', '/slack/interactions', reasonSubmit('use the read replica for this', 'V22'));
    expect(ok.json()).toEqual({ response_action: 'clear' });
    expect((await stack.requests.require(id)).state).toBe('denied');
    const update = await waitFor(() => standIn.accepted('chat.update').find((c) => c.args['ts'] === ts), { what: 'the denied message' });
    expect(text(update)).toMatch(/Denied\*.*by <@U0BOB>/);
    expect(text(update)).toContain('use the read replica for this');
    expect(actionIds(update)).toEqual([]);
  });

  it('lists active grants; Extend asks for more time in a modal, an approver approves it in the thread, the message is rewritten', async () => {
    const created = await stack.ask(ALICE, { durationMinutes: 6 }); // through REST: Slack still announces it
    expect((await stack.approve(created.id, 'bob@example.com')).status).toBe(200);
    const active = await stack.waitState(created.id, 'active');
    const announced = await waitFor(() => posted((c) => c.args['channel'] === APPROVALS && !c.args['thread_ts'] && text(c).includes(created.id))[0], { what: 'announcement' });

    const list = await post('request', '/slack/commands', slashCommand(SECRET, { user_id: 'U0ALICE', text: 'list' }));
    expect(list.json()).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.stringify(list.json().blocks)).toContain(created.id);
    expect(JSON.stringify(list.json().blocks)).toContain('access_end');

    const opens = standIn.accepted('views.open').length;
    const extend = interaction(SECRET, buttonClick({ userId: 'U0ALICE', actionId: 'access_extend', value: created.id, channel: 'D0ALICE', messageTs: '1.000001' }));
    expect((await post('request', '/slack/interactions', extend)).statusCode).toBe(200);
    const view = standIn.accepted('views.open')[opens]?.args['view'] as { callback_id: string; private_metadata: string; blocks: Array<{ block_id?: string; element?: { options?: Array<{ value: string }> } }> };
    expect(view.callback_id).toBe('access_extend');
    const choices = view.blocks.find((b) => b.block_id === 'minutes')?.element?.options?.map((o) => o.value);
    expect(choices).toEqual(['4']); // dev allows 10 min in total; 6 are granted
    const submit = await post('request', '/slack/interactions', interaction(SECRET, viewSubmission({
      userId: 'U0ALICE', callbackId: 'access_extend', viewId: 'V30', privateMetadata: view.private_metadata,
      values: { minutes: { minutes: { type: 'static_select', selected_option: { value: '4' } } }, reason: { reason: { type: 'plain_text_input', value: 'migration still running' } } },
    })));
    expect(submit.json()).toEqual({ response_action: 'clear' });
    expect((await stack.requests.require(created.id)).pendingExtension).toMatchObject({ minutes: 4 });

    const ask = await waitFor(() => posted((c) => c.args['thread_ts'] === announced.result?.['ts'] && actionIds(c).includes('access_approve'))[0], { what: 'extension request in the thread' });
    expect(text(ask)).toContain('migration still running');
    const askTs = String(ask.result?.['ts']);
    const approve = interaction(SECRET, buttonClick({ userId: 'U0BOB', actionId: 'access_approve', value: created.id, channel: APPROVALS, messageTs: askTs }));
    expect((await post('request', '/slack/interactions', approve)).statusCode).toBe(200);
    const extended = await waitFor(async () => {
      const r = await stack.requests.require(created.id);
      return r.endsAt && r.endsAt > active.endsAt! ? r : undefined;
    }, { what: 'the extended end' });
    expect(Date.parse(extended.endsAt!) - Date.parse(active.endsAt!)).toBe(4 * stack.minuteMs);
    const rewritten = await waitFor(() => standIn.accepted('chat.update').find((c) => c.args['ts'] === askTs), { what: 'extension message rewritten' });
    expect(text(rewritten)).toContain('Extension approved by <@U0BOB>');
    expect(actionIds(rewritten)).toEqual([]);

    // End it from Slack so nothing outlives the test.
    const end = interaction(SECRET, buttonClick({ userId: 'U0ALICE', actionId: 'access_end', value: created.id, channel: 'D0ALICE', messageTs: '1.000002' }));
    expect((await post('request', '/slack/interactions', end)).statusCode).toBe(200);
    await stack.waitState(created.id, 'revoked', 10_000);
  }, 60_000);

  it('prod needs two different approvers: progress in place, a double click refused, a Slack retry creates nothing', async () => {
    const values = {
      cluster: { access_cluster: { type: 'static_select', selected_option: { value: 'proddb' } } },
      database: { database: { type: 'plain_text_input', value: stack.databases.granted } },
      profile: { profile: { type: 'static_select', selected_option: { value: 'read' } } },
      duration: { duration: { type: 'static_select', selected_option: { value: '1' } } },
      reason: { reason: { type: 'plain_text_input', value: 'verify the INC-77 refund totals in prod' } },
    };
    const submission = viewSubmission({ userId: 'U0ALICE', callbackId: 'access_request', viewId: 'V40', values });
    expect((await post('request', '/slack/interactions', interaction(SECRET, submission))).json()).toEqual({ response_action: 'clear' });
    // Slack re-sending the same submission (new signature, X-Slack-Retry-Num) creates nothing more.
    const retry = interaction(SECRET, submission, Math.floor(Date.now() / 1000) + 1);
    const retried = await stack.requestApi.inject({ method: 'POST', url: '/slack/interactions', headers: { ...retry.headers, 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }, payload: retry.body });
    expect(retried.json()).toEqual({ response_action: 'clear' });
    const prod = (await aliceRequests()).filter((r) => r.target.clusterId === 'proddb');
    expect(prod).toHaveLength(1);
    const id = prod[0]!.id;
    const message = await waitFor(() => posted((c) => c.args['channel'] === APPROVALS && !c.args['thread_ts'] && text(c).includes(id))[0], { what: 'prod approver message' });
    const ts = String(message.result?.['ts']);
    expect(text(message)).toContain('0/2');
    const click = (userId: string) => interaction(SECRET, buttonClick({ userId, actionId: 'access_approve', value: id, channel: APPROVALS, messageTs: ts }));

    const ephemerals = standIn.accepted('chat.postEphemeral').length;
    await post('request', '/slack/interactions', click('U0BOB'));
    const progress = await waitFor(() => standIn.accepted('chat.update').find((c) => c.args['ts'] === ts), { what: 'progress update' });
    expect(text(progress)).toContain('1/2 (<@U0BOB>)');
    expect(actionIds(progress)).toEqual(['access_approve', 'access_deny']);
    await post('request', '/slack/interactions', click('U0BOB'));
    const again = await waitFor(() => standIn.accepted('chat.postEphemeral')[ephemerals], { what: 'double click refused' });
    expect(again.args).toMatchObject({ user: 'U0BOB', text: expect.stringMatching(/already approved/) });
    expect((await stack.requests.require(id)).state).toBe('requested');

    await post('request', '/slack/interactions', click('U0CAROL'));
    const done = await waitFor(() => standIn.accepted('chat.update').find((c) => c.args['ts'] === ts && text(c).includes('Approved*')), { what: 'approved update' });
    expect(text(done)).toContain('by <@U0CAROL>');
    expect(actionIds(done)).toEqual([]);
    await stack.waitState(id, 'active');
    const end = interaction(SECRET, buttonClick({ userId: 'U0ALICE', actionId: 'access_end', value: id, channel: 'D0ALICE', messageTs: '1.000003' }));
    await post('request', '/slack/interactions', end);
    await stack.waitState(id, 'revoked', 10_000);
  });

  it('approver shortens from the message, a scheduled start from the modal, and "Approve all N" for one ticket (#15)', async () => {
    const ticket = 'https://jira.example.com/browse/OPS-5150';
    const startSeconds = Math.floor(Date.now() / 1000) + 3600;
    // 1. The modal with a ticket and a start time: the request keeps both; approvers see when it starts.
    const values = {
      cluster: { access_cluster: { type: 'static_select', selected_option: { value: 'devdb' } } },
      database: { database: { type: 'plain_text_input', value: stack.databases.granted } },
      profile: { profile: { type: 'static_select', selected_option: { value: 'read' } } },
      duration: { duration: { type: 'static_select', selected_option: { value: '10' } } },
      reason: { reason: { type: 'plain_text_input', value: 'reindex during the OPS-5150 window' } },
      ticket: { ticket: { type: 'url_text_input', value: ticket } },
      start_at: { start_at: { type: 'datetimepicker', selected_date_time: startSeconds } },
    };
    const submission = viewSubmission({ userId: 'U0ALICE', callbackId: 'access_request', viewId: 'V50', values: values as Parameters<typeof viewSubmission>[0]['values'] });
    expect((await post('request', '/slack/interactions', interaction(SECRET, submission))).json()).toEqual({ response_action: 'clear' });
    const scheduled = (await aliceRequests()).find((r) => r.ticketUrl === ticket)!;
    expect(scheduled).toMatchObject({ state: 'requested', durationMinutes: 10, startAt: new Date(startSeconds * 1000).toISOString() });
    const message = await waitFor(() => posted((c) => c.args['channel'] === APPROVALS && !c.args['thread_ts'] && text(c).includes(scheduled.id))[0], { what: 'the scheduled request message' });
    expect(text(message)).toContain('*Starts*');
    expect(text(message)).toContain(`<!date^${startSeconds}^`);
    // Approve, then "Approve for less…" offering only shorter durations; a lone request of its ticket has no batch button.
    expect(actionIds(message)).toEqual(['access_approve', 'access_approve_for', 'access_deny']);
    const select = (message.args['blocks'] as Block[]).flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'access_approve_for') as { options: Array<{ value: string }>; confirm?: unknown };
    expect(select.options.map((o) => o.value)).toEqual([`${scheduled.id}:5`]);
    expect(select.confirm).toBeDefined();

    // 2. Picking 5 min approves for 5 of the 10: the requester is told, provisioning waits for the start.
    const pickShorter = (userId: string, value: string, ts: string) =>
      interaction(SECRET, { ...buttonClick({ userId, actionId: 'access_approve_for', value: '', channel: APPROVALS, messageTs: ts }), actions: [{ type: 'static_select', action_id: 'access_approve_for', block_id: `decide:${scheduled.id}`, selected_option: { value }, action_ts: `${Date.now() / 1000}` }] });
    const ts = String(message.result?.['ts']);
    const ephemerals = standIn.accepted('chat.postEphemeral').length;
    // A forged option longer than asked is refused with the REST route's words and changes nothing.
    await post('request', '/slack/interactions', pickShorter('U0BOB', `${scheduled.id}:11`, ts));
    const refused = await waitFor(() => standIn.accepted('chat.postEphemeral')[ephemerals], { what: 'the longer duration refused' });
    expect(refused.args).toMatchObject({ user: 'U0BOB', text: 'The approved duration (11 min) is longer than the 10 min asked; an approver may only shorten it.' });
    expect((await stack.requests.require(scheduled.id)).state).toBe('requested');
    await post('request', '/slack/interactions', pickShorter('U0BOB', `${scheduled.id}:5`, ts));
    const approved = await stack.waitState(scheduled.id, 'approved');
    expect(approved).toMatchObject({ approvedMinutes: 5, approvals: [{ by: { email: 'bob@example.com' }, minutes: 5 }] });
    const dm = await waitFor(() => posted((c) => c.args['channel'] === 'U0ALICE' && text(c).includes(scheduled.id) && text(c).includes('approved'))[0], { what: 'the approval DM' });
    expect(text(dm)).toContain('for 5 of the 10 minutes you asked');
    expect(await (await stack.queues.provision.getJob(`provision-${scheduled.id}`))?.getState()).toBe('delayed');

    // 3. Two pending requests of one ticket: the later one's message offers "Approve all 2", with a confirm dialog.
    const first = await stack.ask(ALICE, { ticketUrl: 'https://jira.example.com/browse/OPS-6000' });
    await waitFor(() => posted((c) => c.args['channel'] === APPROVALS && !c.args['thread_ts'] && text(c).includes(first.id))[0], { what: 'the first message' });
    const second = await stack.ask('dave@example.com', { ticketUrl: 'https://jira.example.com/browse/OPS-6000' });
    const batchMessage = await waitFor(() => posted((c) => c.args['channel'] === APPROVALS && !c.args['thread_ts'] && text(c).includes(second.id))[0], { what: 'the batch message' });
    const batchButton = (batchMessage.args['blocks'] as Block[]).flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'access_approve_batch') as { value: string; text: { text: string }; confirm?: { title: { text: string } } };
    expect(batchButton.text.text).toBe('Approve all 2 for OPS-6000');
    expect(batchButton.value.split(',').sort()).toEqual([first.id, second.id].sort());
    expect(batchButton.confirm?.title.text).toBe('Approve 2 requests?');

    // 4. A non-approver's click decides nothing and hears why; Carol's approves both, each recorded on its own.
    const clickAll = (userId: string, value: string) => interaction(SECRET, buttonClick({ userId, actionId: 'access_approve_batch', value, channel: APPROVALS, messageTs: String(batchMessage.result?.['ts']) }));
    const before = standIn.accepted('chat.postEphemeral').length;
    await post('request', '/slack/interactions', clickAll('U0DAVE', batchButton.value));
    const daveHeard = await waitFor(() => standIn.accepted('chat.postEphemeral')[before], { what: "dave's refusal" });
    expect(String(daveHeard.args['text'])).toMatch(/^Approved 0 of 2:/);
    expect(String(daveHeard.args['text'])).toContain('not approved — You are not an approver for dev clusters.');
    expect((await stack.requests.require(first.id)).state).toBe('requested');
    // A forged value: junk dropped, the scheduled request (already approved) refused with its reason.
    await post('request', '/slack/interactions', clickAll('U0CAROL', `${batchButton.value},../x,${scheduled.id}`));
    const carolHeard = await waitFor(() => standIn.accepted('chat.postEphemeral').find((c, i) => i > before && c.args['user'] === 'U0CAROL'), { what: "carol's summary" });
    expect(String(carolHeard.args['text'])).toMatch(/^Approved 2 of 3:/);
    expect(String(carolHeard.args['text'])).toContain(`\`${scheduled.id}\`: not approved — Request ${scheduled.id} is approved; there is nothing to decide.`);
    for (const r of [first, second]) {
      await stack.waitState(r.id, 'active');
      // `via` names the bridge's tool: this test's Slack routes call REST with the e2e token.
      expect((await stack.audit.list(r.id)).filter((e) => e.kind === 'approved').map((e) => [e.actor, e.data['via'], typeof e.data['batch']])).toEqual([['carol@example.com', 'e2e', 'string']]);
    }
    // Each request's own approver message is rewritten: approved by Carol, no buttons left.
    const firstTs = (await kit.store.thread(first.id, 'approvals'))?.ts;
    const rewritten = await waitFor(() => standIn.accepted('chat.update').find((c) => c.args['ts'] === firstTs && text(c).includes('Approved*')), { what: 'the first message rewritten' });
    expect(text(rewritten)).toContain('by <@U0CAROL>');
    expect(actionIds(rewritten)).toEqual([]);
    for (const r of [first, second]) {
      const end = interaction(SECRET, buttonClick({ userId: r.requester.email === ALICE ? 'U0ALICE' : 'U0DAVE', actionId: 'access_end', value: r.id, channel: 'D0X', messageTs: `2.${r.id.slice(-6)}` }));
      await post('request', '/slack/interactions', end);
      await stack.waitState(r.id, 'revoked', 10_000);
    }
  }, 60_000);

  it('refuses a bad signature, a stale timestamp and a replay with 401, and changes nothing', async () => {
    // Let the first test's last notifications land before counting.
    let seen = -1;
    await waitFor(async () => {
      const quiet = standIn.calls.length === seen;
      seen = standIn.calls.length;
      await new Promise((r) => setTimeout(r, 400));
      return quiet;
    }, { what: 'Slack calls to settle' });
    const before = (await aliceRequests()).length;
    const calls = standIn.calls.length;
    const submission = viewSubmission({ userId: 'U0ALICE', callbackId: 'access_request', viewId: 'V9', values: {} });
    const forged = interaction('not-the-signing-secret-000', submission);
    const stale = interaction(SECRET, submission, Math.floor(Date.now() / 1000) - 6 * 60);
    expect((await post('request', '/slack/interactions', forged)).statusCode).toBe(401);
    expect((await post('request', '/slack/interactions', stale)).statusCode).toBe(401);
    const cmd = slashCommand(SECRET, { user_id: 'U0ALICE', text: 'help' });
    expect((await post('request', '/slack/commands', cmd)).statusCode).toBe(200);
    const replay = await post('request', '/slack/commands', cmd);
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toMatchObject({ code: 'SLACK_REPLAYED' });
    const approve = interaction('not-the-signing-secret-000', buttonClick({ userId: 'U0BOB', actionId: 'access_approve', value: '01JZ0000000000000000000001', channel: APPROVALS, messageTs: '1.0' }));
    expect((await post('approval', '/slack/approvals/interactions', approve)).statusCode).toBe(401);
    expect((await aliceRequests()).length).toBe(before);
    expect(standIn.calls.length).toBe(calls);
  });
});

