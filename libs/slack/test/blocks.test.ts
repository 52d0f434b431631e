import {
  accessEndedUpdate,
  approverMessage,
  canonicalKind,
  clusterOptions,
  databaseOptions,
  createApproverDirectory,
  credentialsDm,
  credentialsModal,
  decidedMessage,
  grantsList,
  modalErrors,
  readRequestModal,
  requestModal,
  slackSettings,
  warningDm,
  type RequestSummary,
} from '../src';
import type { WebClient } from '@slack/web-api';

const summary: RequestSummary = {
  id: '01JZ0000000000000000000001',
  requester: { slackUserId: 'U0ALICE', email: 'alice@example.com' },
  clusterId: 'orders-prod',
  environment: 'prod',
  database: 'orders',
  profile: 'read',
  durationMinutes: 90,
  reason: 'check <script> & the INC-1 totals',
  approvalsRequired: 2,
  approvals: [{ by: { slackUserId: 'U0BOB' }, at: '2026-11-25T10:00:00.000Z' }],
  requestedAt: '2026-11-25T09:50:00.000Z',
  reviewExpiresAt: '2026-11-25T10:50:00.000Z',
};

type AnyBlock = { type: string; elements?: Array<Record<string, unknown>>; accessory?: Record<string, unknown> };
const buttons = (blocks: unknown[]) => (blocks as AnyBlock[]).flatMap((b) => [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])]).filter((e) => e['type'] === 'button');

describe('Block Kit builders', () => {
  it('searches clusters grouped by environment, reaches past 100, and offers the chosen environment durations with its default', () => {
    const input = {
      clusters: [
        { id: 'b-prod', environment: 'prod' as const },
        { id: 'a-dev', environment: 'dev' as const },
        { id: 'a-prod', environment: 'prod' as const, description: 'orders' },
      ],
      profiles: [{ name: 'read' }, { name: 'write' }],
      durations: { dev: [30, 60, 480], stg: [60], prod: [30, 120] },
      defaults: { dev: 60, stg: 60, prod: 30 },
    };
    const modal = requestModal(input);
    const cluster = modal.blocks[0] as { element: { type: string; min_query_length: number } };
    expect(cluster.element).toMatchObject({ type: 'external_select', min_query_length: 0 });
    const groups = (typed: string, list = input.clusters) => clusterOptions(list, typed).option_groups.map((g) => [g.label.text, g.options.map((o) => o.value)]);
    expect(groups('')).toEqual([
      ['Development', ['a-dev']],
      ['Production', ['a-prod', 'b-prod']],
    ]);
    expect(groups('ORDERS')).toEqual([['Production', ['a-prod']]]); // the description matches too
    // 150 prod clusters: the first 100 by name, and typing reaches the others.
    const fleet = Array.from({ length: 150 }, (_, i) => ({ id: `db-${String(i).padStart(3, '0')}`, environment: 'prod' as const }));
    expect(groups('', fleet)[0]?.[1]).toHaveLength(100);
    expect(groups('db-14', fleet)).toEqual([['Production', ['db-140', 'db-141', 'db-142', 'db-143', 'db-144', 'db-145', 'db-146', 'db-147', 'db-148', 'db-149']]]);

    const durations = (m: typeof modal) => (m.blocks.find((b) => b.block_id === 'duration') as { element: { options: Array<{ value: string }> } }).element.options.map((o) => o.value);
    const initial = (m: typeof modal) => (m.blocks.find((b) => b.block_id === 'duration') as { element: { initial_option?: { value: string } } }).element.initial_option?.value;
    expect(durations(modal)).toEqual(['30', '60', '120', '480']);
    expect(initial(modal)).toBeUndefined();
    const prod = requestModal({ ...input, selected: { clusterId: 'a-prod', environment: 'prod' } });
    expect(durations(prod)).toEqual(['30', '120']);
    expect(initial(prod)).toBe('30');
    expect(initial(requestModal({ ...input, selected: { clusterId: 'a-dev', environment: 'dev' } }))).toBe('60');
  });

  it("offers the cluster's documented databases, * for all, and an unchecked typed name", () => {
    const values = (o: { options: Array<{ value?: string; text: { text: string } }> }) => o.options.map((x) => [x.value, x.text.text]);
    expect(values(databaseOptions(['billing', 'orders', 'orders_archive'], ''))).toEqual([
      ['billing', 'billing'],
      ['orders', 'orders'],
      ['orders_archive', 'orders_archive'],
      ['*', '* (every database of the cluster)'],
    ]);
    expect(values(databaseOptions(['billing', 'orders', 'orders_archive'], 'ORD'))).toEqual([
      ['ORD', 'ORD (not in the latest docs)'],
      ['orders', 'orders'],
      ['orders_archive', 'orders_archive'],
    ]);
    expect(values(databaseOptions(['orders'], 'orders'))).toEqual([['orders', 'orders']]);
    expect(values(databaseOptions(undefined, 'new_db'))).toEqual([['new_db', 'new_db (no docs snapshot to check)']]);
    expect(values(databaseOptions(['orders'], 'bad name;'))).toEqual([]); // not a database name: not offered
  });

  it('reads a submission and maps problems to inline errors by block', () => {
    const values = {
      cluster: { access_cluster: { type: 'static_select', selected_option: { value: 'a-dev' } } },
      database: { database: { type: 'plain_text_input', value: ' orders ' } },
      profile: { profile: { type: 'static_select', selected_option: null } },
      duration: { duration: { type: 'static_select', selected_option: { value: '60' } } },
      reason: { reason: { type: 'plain_text_input', value: null } },
    };
    expect(readRequestModal(values)).toEqual({ clusterId: 'a-dev', database: 'orders', durationMinutes: 60 });
    expect(modalErrors({ reason: 'too short', duration: undefined })).toEqual({ response_action: 'errors', errors: { reason: 'too short' } });
  });

  it('escapes user text, shows progress towards two approvals, and removes the buttons once decided', () => {
    const pending = JSON.stringify(approverMessage(summary).blocks);
    expect(pending).toContain('&lt;script&gt; &amp; the INC-1 totals');
    expect(pending).toContain('Needs 2 approvals from different people: 1/2 (<@U0BOB>)');
    expect(pending).toContain('access_approve');
    const decided = JSON.stringify(decidedMessage(summary, { outcome: 'denied', by: { slackUserId: 'U0CAROL' }, at: '2026-11-25T10:05:00.000Z', reason: 'use <the> replica' }).blocks);
    expect(decided).toContain('Denied* by <@U0CAROL>');
    expect(decided).toContain('use &lt;the&gt; replica');
    expect(decided).not.toContain('access_approve');
  });

  it('names people decided outside Slack by e-mail or name, never as a broken mention', () => {
    const viaRest = { ...summary, approvals: [{ by: { email: 'bob@example.com' }, at: '2026-11-25T10:00:00.000Z' }] };
    const pending = JSON.stringify(approverMessage(viaRest).blocks);
    expect(pending).toContain('1/2 (bob@example.com)');
    expect(pending).not.toContain('<@bob');
    const decided = JSON.stringify(decidedMessage(viaRest, { outcome: 'approved', by: { email: 'carol@example.com', name: 'Carol Ito' }, at: '2026-11-25T10:05:00.000Z' }).blocks);
    expect(decided).toContain('Approved* by Carol Ito');
    expect(decided).not.toMatch(/<@(?!U0ALICE>)/); // the requester has a Slack id; nobody else is mentioned
  });

  it('tells approvers how long the request has waited, when it expires, and links to the dashboard', () => {
    const text = JSON.stringify(approverMessage(summary, { dashboardUrl: 'https://ops.example.com/' }).blocks);
    expect(text).toContain('Requested <!date^1795600200^{ago}|2026-11-25T09:50:00.000Z>');
    expect(text).toContain('expires <!date^1795603800^{date_short_pretty} {time}|2026-11-25T10:50:00.000Z> if nobody decides');
    expect(text).toContain('<https://ops.example.com/requests/01JZ0000000000000000000001|Open in the dashboard>');
  });

  it('asks to confirm Approve in production, and not in development', () => {
    const approve = (env: 'prod' | 'dev') => buttons(approverMessage({ ...summary, environment: env }).blocks).find((b) => b['action_id'] === 'access_approve');
    expect(approve('prod')?.['confirm']).toMatchObject({ title: { text: 'Approve production access?' }, confirm: { text: 'Approve' }, deny: { text: 'Cancel' } });
    expect(approve('dev')?.['confirm']).toBeUndefined();
  });

  it('asks to confirm every End now: credentials DM, warning DM and /db-access list', () => {
    const ends = [
      ...buttons(credentialsDm(summary, { user: 'jit_alice', host: '127.0.0.1', port: 4000 }).blocks),
      ...buttons(warningDm(summary, '2026-11-25T11:00:00.000Z', 10).blocks),
      ...buttons(grantsList([{ ...summary, state: 'active' }]).blocks),
    ].filter((b) => b['action_id'] === 'access_end');
    expect(ends).toHaveLength(3);
    for (const b of ends) {
      expect(b['confirm']).toMatchObject({ title: { text: 'End access now?' }, confirm: { text: 'End now' }, deny: { text: 'Keep access' }, style: 'danger' });
      expect(JSON.stringify(b['confirm'])).toContain('orders-prod / orders');
    }
  });

  it('puts the connection steps in the DM and the password only in the modal', () => {
    const tunnel = "aws ssm start-session --region eu-west-1 --target i-0123456789abcdef0 --document-name dbre-PortForwardToGrantedCluster --parameters '{\"localPortNumber\":[\"13306\"]}'";
    const dm = credentialsDm(summary, { user: 'jit_alice', host: '127.0.0.1', port: 13306, tunnelCommand: tunnel });
    const sections = dm.blocks.filter((b) => b.type === 'section').map((b) => (b as { text?: { text: string } }).text?.text);
    expect(sections).toContain(
      [
        '1. Open the tunnel (AWS CLI + Session Manager plugin; leave it running):',
        '```' + tunnel + '```',
        '2. In another terminal, connect (the client asks for the password):',
        '```mysql -h 127.0.0.1 -P 13306 -u jit_alice -p orders```',
        '3. Click *Show credentials* to see the password; it is not kept in this conversation.',
      ].join('\n'),
    );
    expect(JSON.stringify(dm)).not.toMatch(/password\*\\n/i);
    expect(buttons(dm.blocks).map((b) => b['action_id'])).toEqual(['access_show_credentials', 'access_extend', 'access_end']);

    const modal = credentialsModal(summary, { user: 'jit_alice', password: "p'w<1>", host: '127.0.0.1', port: 13306, tunnelCommand: tunnel });
    expect(modal.callback_id).toBe('access_credentials');
    expect(modal.submit).toBeUndefined();
    const shown = JSON.stringify(modal.blocks);
    expect(shown).toContain('*Password*\\n`p\'w&lt;1&gt;`');
    const modalSections = modal.blocks.filter((b) => b.type === 'section').map((b) => (b as { text?: { text: string } }).text?.text);
    expect(modalSections).toContain(
      [
        '1. Open the tunnel (AWS CLI + Session Manager plugin; leave it running):',
        '```' + tunnel + '```',
        '2. In another terminal, connect (the client asks for the password):',
        '```mysql -h 127.0.0.1 -P 13306 -u jit_alice -p orders```',
      ].join('\n'),
    );
    // The password is shown once, in its field: never on a command line.
    expect(shown.split("p'w&lt;1&gt;").length - 1).toBe(1);
  });

  it('locally (no tunnel) the DM has the mysql line as its first step', () => {
    const dm = credentialsDm(summary, { user: 'jit_alice', host: '127.0.0.1', port: 4000 });
    const sections = dm.blocks.filter((b) => b.type === 'section').map((b) => (b as { text?: { text: string } }).text?.text);
    expect(sections).toContain(
      [
        '1. Connect (the client asks for the password):',
        '```mysql -h 127.0.0.1 -P 4000 -u jit_alice -p orders```',
        '2. Click *Show credentials* to see the password; it is not kept in this conversation.',
      ].join('\n'),
    );
  });

  it('rewrites the DMs at the end of access without any button', () => {
    const ended = accessEndedUpdate(summary, '2026-11-25T11:00:00.000Z', 'ended by requester');
    expect(JSON.stringify(ended.blocks)).toContain(':lock: Ended <!date^1795604400^{date_short_pretty} {time}|2026-11-25T11:00:00.000Z> (ended by requester)');
    expect(buttons(ended.blocks)).toEqual([]);
    expect(ended.blocks.some((b) => b.type === 'actions')).toBe(false);
  });
});

describe('notification kinds', () => {
  it.each([
    ['review', 'requested'],
    ['request.created', 'requested'],
    ['credentials', 'credentials'],
    ['revoked', 'ended'],
    ['extension-review', 'extension-requested'],
    ['access-warning', 'warning'],
    ['something-else', 'other'],
  ])('%s -> %s', (kind, canonical) => expect(canonicalKind(kind)).toBe(canonical));
});

describe('approver directory', () => {
  function fakeClient(answers: Array<string[] | Error>) {
    const calls: string[] = [];
    const client = {
      usergroups: {
        users: {
          list: async ({ usergroup }: { usergroup: string }) => {
            calls.push(usergroup);
            const next = answers.shift();
            if (next instanceof Error) throw next;
            return { ok: true, users: next };
          },
        },
      },
    } as unknown as WebClient;
    return { client, calls };
  }

  it('caches the user group, keeps the last members when Slack fails, and fails closed with none', async () => {
    let now = 0;
    const { client, calls } = fakeClient([['U0BOB'], new Error('slack down')]);
    const dir = createApproverDirectory({ client, source: { usergroupId: 'S0DBRE', userIds: ['U0CAROL'] }, ttlMs: 1000, now: () => now });
    expect(await dir.isApprover('U0BOB')).toBe(true);
    expect(await dir.isApprover('U0DAVE')).toBe(false);
    expect(await dir.isApprover('U0CAROL')).toBe(true);
    expect(calls).toEqual(['S0DBRE']);
    now = 5000;
    expect(await dir.isApprover('U0BOB')).toBe(true); // stale members beat no members
    const cold = createApproverDirectory({ client: fakeClient([new Error('slack down')]).client, source: { usergroupId: 'S0DBRE' } });
    await expect(cold.isApprover('U0BOB')).rejects.toMatchObject({ code: 'SLACK_CALL_FAILED' });
  });
});

describe('slackSettings', () => {
  const base = { SLACK_COMMAND: '/db-access' };
  it('is undefined without a token or a signing secret, so the platform runs without Slack', () => {
    expect(slackSettings({ ...base, SLACK_BOT_TOKEN: 'xoxb-1' })).toBeUndefined();
    expect(slackSettings({ ...base, SLACK_SIGNING_SECRET: '0123456789abcdef' })).toBeUndefined();
    expect(slackSettings({ ...base, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: '0123456789abcdef', SLACK_APPROVER_USERS: 'U1AA,U2BB' })).toMatchObject({ approverUsers: ['U1AA', 'U2BB'], command: '/db-access' });
  });
});

describe('fewer asks of approvers (#15)', () => {
  type Element = { action_id?: string; value?: string; text?: { text: string }; options?: Array<{ text: { text: string }; value: string }>; confirm?: { title: { text: string }; confirm: { text: string } } };
  const elements = (blocks: unknown[]) => (blocks as Array<{ type: string; elements?: Element[] }>).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);

  it('offers only durations shorter than asked, each option naming the request, behind a confirm dialog', () => {
    const select = elements(approverMessage(summary).blocks).find((e) => e.action_id === 'access_approve_for');
    expect(select?.options?.map((o) => [o.text.text, o.value])).toEqual([
      ['5 min', '01JZ0000000000000000000001:5'],
      ['10 min', '01JZ0000000000000000000001:10'],
      ['15 min', '01JZ0000000000000000000001:15'],
      ['30 min', '01JZ0000000000000000000001:30'],
      ['45 min', '01JZ0000000000000000000001:45'],
      ['1 h', '01JZ0000000000000000000001:60'],
    ]);
    expect(select?.confirm?.title.text).toBe('Approve for less time?');
    expect(elements(approverMessage({ ...summary, durationMinutes: 5 }).blocks).map((e) => e.action_id)).toEqual(['access_approve', 'access_deny']);
  });

  it('offers "Approve all N for <ticket>" only when the ticket has several pending requests', () => {
    const ids = ['01JZ0000000000000000000001', '01JZ0000000000000000000002', '01JZ0000000000000000000003'];
    const all = elements(approverMessage(summary, undefined, { ids, change: 'https://jira.example.com/browse/OPS-9' }).blocks).find((e) => e.action_id === 'access_approve_batch');
    expect(all).toMatchObject({ text: { text: 'Approve all 3 for OPS-9' }, value: ids.join(','), confirm: { title: { text: 'Approve 3 requests?' }, confirm: { text: 'Approve 3' } } });
    expect(elements(approverMessage(summary, undefined, { ids: [ids[0]!], change: 'https://jira.example.com/browse/OPS-9' }).blocks).some((e) => e.action_id === 'access_approve_batch')).toBe(false);
  });

  it('shows the scheduled start and a shortened duration in the summary', () => {
    const text = JSON.stringify(approverMessage({ ...summary, startAt: '2026-12-03T06:00:00.000Z', approvedMinutes: 30 }).blocks);
    expect(text).toContain('*Starts*\\n<!date^1796277600^{date_short_pretty} {time}|2026-12-03T06:00:00.000Z> (scheduled)');
    expect(text).toContain('*Duration*\\n30 min approved of 1 h 30 min asked');
  });

  it('reads the ticket and the start time from the request modal', () => {
    expect(readRequestModal({ ticket: { ticket: { type: 'url_text_input', value: ' https://jira.example.com/browse/OPS-9 ' } }, start_at: { start_at: { type: 'datetimepicker', selected_date_time: 1796277600 } } })).toEqual({
      ticketUrl: 'https://jira.example.com/browse/OPS-9',
      startAt: '2026-12-03T06:00:00.000Z',
    });
  });
});
