import { approverMessage, canonicalKind, createApproverDirectory, credentialsDm, decidedMessage, modalErrors, readRequestModal, requestModal, slackSettings, type RequestSummary } from '../src';
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
  approvals: [{ by: 'U0BOB', at: '2026-11-25T10:00:00.000Z' }],
};

describe('Block Kit builders', () => {
  it('groups clusters by environment and offers only the chosen environment durations', () => {
    const input = {
      clusters: [
        { id: 'b-prod', environment: 'prod' as const },
        { id: 'a-dev', environment: 'dev' as const },
        { id: 'a-prod', environment: 'prod' as const, description: 'orders' },
      ],
      profiles: [{ name: 'read' }, { name: 'write' }],
      durations: { dev: [30, 60, 480], stg: [60], prod: [30, 120] },
    };
    const modal = requestModal(input);
    const cluster = modal.blocks[0] as { element: { option_groups: Array<{ label: { text: string }; options: Array<{ value: string }> }> } };
    expect(cluster.element.option_groups.map((g) => [g.label.text, g.options.map((o) => o.value)])).toEqual([
      ['Development', ['a-dev']],
      ['Production', ['a-prod', 'b-prod']],
    ]);
    const durations = (m: typeof modal) => (m.blocks.find((b) => b.block_id === 'duration') as { element: { options: Array<{ value: string }> } }).element.options.map((o) => o.value);
    expect(durations(modal)).toEqual(['30', '60', '120', '480']);
    expect(durations(requestModal({ ...input, selected: { clusterId: 'a-prod', environment: 'prod' } }))).toEqual(['30', '120']);
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
    const decided = JSON.stringify(decidedMessage(summary, { outcome: 'denied', by: 'U0CAROL', at: '2026-11-25T10:05:00.000Z', reason: 'use <the> replica' }).blocks);
    expect(decided).toContain('Denied* by <@U0CAROL>');
    expect(decided).toContain('use &lt;the&gt; replica');
    expect(decided).not.toContain('access_approve');
  });

  it('says when the password is not kept anywhere else', () => {
    const dm = JSON.stringify(credentialsDm(summary, { user: 'jit_alice', password: 'pw', host: '127.0.0.1', port: 4000 }).blocks);
    expect(dm).toContain('mysql -h 127.0.0.1 -P 4000 -u jit_alice -p orders');
    expect(dm).toContain('not kept anywhere else');
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
