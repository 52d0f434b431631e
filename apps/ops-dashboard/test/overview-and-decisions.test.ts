import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { accessPolicySchema, type Actor } from '@dbre/domain';
import { tableName } from '@dbre/store';
import { monotonicFactory } from 'ulid';
import { ADMIN, VIEWER, aRequest, basic, csrfFrom, startHarness, type Harness } from './helpers';

const policy = accessPolicySchema.parse({
  profiles: { read: { privileges: ['SELECT'] } },
  groups: { dbre: ['bob@example.com', 'carol@example.com'] },
  environments: {
    dev: { defaultMinutes: 60, maxMinutes: 480, approvers: ['group:dbre'] },
    stg: { defaultMinutes: 60, maxMinutes: 240, approvers: ['group:dbre'] },
    prod: { defaultMinutes: 30, maxMinutes: 120, approvers: ['group:dbre', 'taro.yamada@example.com'], approvalsRequired: 2 },
  },
});

const nextUlid = monotonicFactory();
const ulidAt = (ms: number) => nextUlid(ms);

describe('overview, decisions, pages in words and error pages', () => {
  let h: Harness;
  const decided: Array<{ what: string; id: string; by: Actor; text?: string | undefined }> = [];
  let refuse: string | undefined;

  beforeAll(async () => {
    h = await startHarness(
      {
        policy,
        decisions: {
          approve: async (id, by, comment) => {
            if (refuse) throw Object.assign(new Error(refuse), { code: 'POLICY_SELF_APPROVAL', kind: 'forbidden' });
            decided.push({ what: 'approve', id, by, text: comment });
          },
          deny: async (id, by, reason) => void decided.push({ what: 'deny', id, by, text: reason }),
        },
      },
      { adminEmail: 'carol@example.com' },
    );
  });
  afterAll(() => h.close());

  const get = (url: string, who = VIEWER, accept = 'text/html,application/xhtml+xml') => h.app.inject({ method: 'GET', url, headers: { authorization: basic(who), accept } });

  it('sums up the platform: active grants by environment, waiting requests, overdue grants, charts from stored timestamps', async () => {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    await h.requests.create(aRequest({ target: { clusterId: 'orders-dev', database: 'orders', environment: 'dev' }, decidedAt: iso(now - 60_000), activeAt: iso(now - 58_500), updatedAt: iso(now - 58_500) }));
    await h.requests.create(aRequest({ decidedAt: iso(now - 30_000), activeAt: iso(now - 29_000), updatedAt: iso(now - 29_000) }));
    // Active for 7 h: outside the charts' 6-hour window.
    const overdue = await h.requests.create(aRequest({ requester: { email: 'late@example.com', displayName: 'Late' }, decidedAt: iso(now - 7 * 3600_000), activeAt: iso(now - 7 * 3600_000), endsAt: iso(now - 5 * 60_000) }));
    await h.requests.create(
      aRequest({ state: 'requested', approvals: [], decidedAt: undefined, activeAt: undefined, endsAt: undefined, requestedAt: iso(now - 12 * 60_000), resources: {} }),
    );
    await h.app.overviewSampler?.sampleOnce();

    const res = await get('/');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<script src="/assets/uplot.js" defer></script>');
    const text = res.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Active grants 3 dev 1 · stg 0 · prod 2');
    expect(text).toContain('Waiting for approval 1 oldest waiting 12 min');
    expect(text).toContain('Overdue grants 1');
    expect(res.body).toContain(`href="/requests/${overdue.id}">late@example.com on orders-prod</a>`);
    // Provisioning latency: 1.5 s and 1 s, newest last, in uPlot's columns (x in seconds).
    const charts = [...res.body.matchAll(/<script type="application\/json">(.*?)<\/script>/g)].map((m) => JSON.parse(m[1]!) as { series: string[]; columns: number[][] });
    const latency = charts.find((c) => c.series[0] === 'latency');
    expect(latency?.columns[1]).toEqual([1.5, 1]);
    const depth = charts.find((c) => c.series.includes('revoke'));
    expect(depth?.columns).toHaveLength(1 + depth!.series.length);

    const lib = await get('/assets/uplot.js', VIEWER, '*/*');
    expect(lib.statusCode).toBe(200);
    expect(lib.body).toContain('uPlot');
  });

  it('says who can approve a pending request and until when, and lets an approver decide through approval-api', async () => {
    const pending = await h.requests.create(aRequest({ state: 'requested', approvalsRequired: 2, approvals: [], decidedAt: undefined, activeAt: undefined, endsAt: undefined, resources: {} }));
    const page = await get(`/requests/${pending.id}`, ADMIN);
    const text = page.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    // The requester (taro) is an approver of prod but never of their own request.
    expect(text).toContain('Waiting for 2 more approvals from bob@example.com, carol@example.com, before');
    expect(page.body).toContain('data-action="approve"');
    // Someone who already approved is no longer listed.
    const half = await h.requests.create(aRequest({ state: 'requested', approvalsRequired: 2, approvals: [{ by: { email: 'bob@example.com' }, at: new Date().toISOString() }], decidedAt: undefined, activeAt: undefined, endsAt: undefined, resources: {} }));
    const halfText = (await get(`/requests/${half.id}`, ADMIN)).body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(halfText).toContain('Waiting for 1 more approval from carol@example.com, before');
    expect(page.body).toContain('data-confirm="Approve taro.yamada@example.com&#39;s request: read on orders-prod (production)?"');

    const post = (what: string, body: string) =>
      h.app.inject({ method: 'POST', url: `/requests/${pending.id}/${what}`, headers: { authorization: basic(ADMIN), 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', accept: 'text/html' }, payload: body });
    const token = csrfFrom(page.body);
    expect((await post('approve', 'comment=ok')).statusCode).toBe(403); // no form token
    const ok = await post('approve', `csrf=${token}&comment=${encodeURIComponent('ok for INC-1')}`);
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe(`/requests/${pending.id}?done=approved`);
    expect(decided).toContainEqual({ what: 'approve', id: pending.id, by: { email: 'carol@example.com', displayName: 'Ops Admin 管理者' }, text: 'ok for INC-1' });

    const noReason = await post('deny', `csrf=${token}&reason=no`);
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain('A denial needs a reason of at least 3 characters');
    expect((await post('deny', `csrf=${token}&reason=${encodeURIComponent('use the replica')}`)).headers.location).toBe(`/requests/${pending.id}?done=denied`);
    expect(decided.at(-1)).toMatchObject({ what: 'deny', text: 'use the replica' });

    refuse = 'You cannot approve your own request.';
    const refused = await post('approve', `csrf=${token}`);
    refuse = undefined;
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('You cannot approve your own request.');
  });

  it('tells the timeline in words and shows when an ended-early grant really ended', async () => {
    const now = Date.now();
    const r = await h.requests.create(
      aRequest({ state: 'revoked', endsAt: new Date(now + 20 * 60_000).toISOString(), revokedAt: new Date(now).toISOString(), revokeReason: 'ended_by_requester' }),
    );
    await h.audit.append(r.id, { key: 'requested', kind: 'requested', actor: 'taro.yamada@example.com', data: { via: 'slack' } });
    await h.audit.append(r.id, { key: 'approved:a', kind: 'approved', actor: 'alice@example.com', data: { via: 'api', approvals: 1, required: 1 } });
    await h.audit.append(r.id, { key: 'sessions_killed', kind: 'sessions_killed', data: { dbUser: 'jit_taro_ab12', killed: 2 } });
    await h.audit.append(r.id, { key: 'revoked', kind: 'revoked', data: { reason: 'ended_by_requester' } });
    const page = await get(`/requests/${r.id}`);
    const text = page.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('taro.yamada@example.com asked for read access to orders-prod / orders for 30 min (via slack).');
    expect(text).toContain('alice@example.com approved (1 of 1 approvals) (via api).');
    expect(text).toContain('2 open sessions of jit_taro_ab12 killed.');
    expect(text).toContain('Access gone: ended early by the requester.');
    expect(text).toContain('20 min before the planned end');
    expect(page.body).not.toContain('ended_by_requester');
    // Its queue jobs, on the read-only board.
    expect(page.body).toContain(`<a href="/queues/queue/revoke/revoke-${r.id}">revoke</a>`);
    expect(page.body).toContain(`<a href="/queues/queue/warn/warn-${r.id}-${Date.parse(r.endsAt!)}">warn</a>`);
    expect(page.body).not.toContain('<pre');
  });

  it('searches requesters by part of a name or e-mail, sorts, and pages past 50 with an honest banner', async () => {
    const base = Date.now() - 3600_000;
    const made = [];
    for (let i = 0; i < 55; i++) {
      const at = new Date(base + i * 1000).toISOString();
      made.push(await h.requests.create(aRequest({ id: ulidAt(base + i * 1000), state: 'revoked', requester: { email: `kenji.sato${i % 2}@example.com`, displayName: '佐藤 健二' }, requestedAt: at, updatedAt: at })));
    }
    const ids = (body: string) => [...body.matchAll(/<td data-label="Request" class="mono"><a href="\/requests\/([0-9A-Z]{26})"/g)].map((m) => m[1]);
    const banner = (body: string) => /data-filter-banner role="status">(.*?)<\/div>/s.exec(body)?.[1]?.replace(/<[^>]+>/g, '');

    const first = await get('/requests?requester=SATO');
    expect(banner(first.body)).toBe('Requests 1–50 of 55 — requester containing “SATO”, newest first.');
    expect(ids(first.body)).toEqual(made.slice(5).reverse().map((r) => r.id));
    expect(first.body).toContain('href="/requests?requester=SATO&amp;page=2">Next page →</a>');
    const second = await get('/requests?requester=SATO&page=2');
    expect(ids(second.body)).toEqual(made.slice(0, 5).reverse().map((r) => r.id));
    // By the name too, oldest first.
    const byName = await get(`/requests?requester=${encodeURIComponent('佐藤')}&sort=oldest`);
    expect(ids(byName.body)[0]).toBe(made[0]!.id);
    expect(banner(byName.body)).toContain('oldest first');
    // A complete e-mail uses the requester index: exactly that person.
    const exact = await get('/requests?requester=kenji.sato1@example.com');
    expect(banner(exact.body)).toBe('Requests 1–27 of 27 — requester kenji.sato1@example.com, newest first.');
  });

  it('shows a review on its own page: every finding, errors apart from warnings, the SQL, where and against which server', async () => {
    const findings = [
      ...Array.from({ length: 12 }, (_, i) => ({ ruleId: `naming-${i}`, severity: 'warning', message: `column name ${i} is not snake_case`, line: i + 1, column: 3 })),
      { ruleId: 'pk-required', severity: 'error', message: 'table has no primary key', line: 1, column: 1, fix: 'Add an id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY.' },
    ];
    await h.dynamo.doc.send(
      new PutCommand({
        TableName: tableName(h.dynamo.tablePrefix, 'reviews'),
        Item: { id: '01JREVIEW0000000000000000A', createdAt: '2026-11-25T02:00:00.000Z', source: 'slack', title: '1 statement(s): CREATE TABLE 顧客', verdict: 'fail', dialect: 'mysql57', cluster: 'orders-prod', schema: 'shop', excerpt: 'CREATE TABLE 顧客 (name varchar(10)) <b>', findings },
      }),
    );
    const list = await get('/reviews');
    expect(list.body).toContain('1 error, 12 warnings');
    expect(list.body).toContain('<a href="/reviews/01JREVIEW0000000000000000A">… 10 more: the full review</a>');
    const page = await get('/reviews/01JREVIEW0000000000000000A');
    const text = page.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Cluster / schema orders-prod / shop');
    expect(text).toContain('Server type MySQL 5.7');
    expect(page.body).toContain('CREATE TABLE 顧客 (name varchar(10)) &lt;b&gt;');
    expect(text).toContain('Errors (1)');
    expect(text).toContain('Warnings (12)');
    expect(text).toContain('Suggested fix: Add an id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY.');
    expect(page.body.indexOf('pk-required')).toBeLessThan(page.body.indexOf('naming-0'));
    expect((page.body.match(/data-rule="/g) ?? []).length).toBe(13);
    expect((await get('/reviews/01JNOSUCHREVIEW')).statusCode).toBe(404);
  });

  it('signs out (the browser forgets its basic credentials) and offers the time-zone choice on every page', async () => {
    const page = await get('/grants');
    expect(page.body).toContain('<select id="tz-choice"><option value="utc">Times in UTC</option>');
    expect(page.body).toContain('<a href="/sign-out">Sign out</a>');
    const out = await get('/sign-out');
    expect(out.statusCode).toBe(401);
    expect(out.headers['www-authenticate']).toMatch(/^Basic realm="dbre ops-dashboard"/);
    expect(out.body).toContain('You are signed out');
  });

  it('answers a browser with HTML error pages in the layout, and tools with problem+json', async () => {
    const missing = await get('/requests/01ARZ3NDEKTSV4RRFFQ69G5FAV');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(missing.body).toContain('<h1>Not found</h1>');
    expect(missing.body).toContain('There is no access request 01ARZ3NDEKTSV4RRFFQ69G5FAV.');
    const badFilter = await get('/requests?from=2026-13-45');
    expect(badFilter.statusCode).toBe(400);
    expect(badFilter.body).toContain('One of the filters is not valid');
    expect(badFilter.body).toContain('<a href="/requests">Reset the filters</a>');
    const forbidden = await get('/admin-log');
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.body).toContain('<h1>Not allowed</h1>');
    const noRoute = await get('/no-such-page');
    expect(noRoute.statusCode).toBe(404);
    // No route matched, so nobody was authenticated: a plain page that shows nothing of the dashboard.
    expect(noRoute.headers['content-type']).toMatch(/^text\/html/);
    expect(noRoute.body).toContain('<h1>Not found</h1>');
    expect(noRoute.body).not.toContain('<nav aria-label="Sections">');
    const api = await get('/requests/01ARZ3NDEKTSV4RRFFQ69G5FAV', VIEWER, 'application/json');
    expect(api.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(api.json()).toMatchObject({ status: 404, code: 'REQUEST_NOT_FOUND' });
  });
});
