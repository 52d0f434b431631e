import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createCrawlRunsRepo } from '@dbre/docs';
import { createFolderSink } from '@dbre/drivers';
import { tableName } from '@dbre/store';
import type { Actor } from '@dbre/domain';
import { ADMIN, VIEWER, aRequest, basic, csrfFrom, startHarness, type Harness } from './helpers';

describe('ops-dashboard pages', () => {
  let h: Harness;
  const ended: Array<{ id: string; by: Actor }> = [];
  let refuseNext = false;
  const docsDir = mkdtempSync(path.join(tmpdir(), 'ops-docs-'));
  const sink = createFolderSink({ root: docsDir });

  beforeAll(async () => {
    h = await startHarness({
      docSink: sink,
      grantActions: {
        endNow: async (id, by) => {
          if (refuseNext) throw Object.assign(new Error('Request is revoking; it cannot be ended now.'), { code: 'ILLEGAL_TRANSITION', kind: 'conflict' });
          ended.push({ id, by });
        },
      },
    });
  });
  afterAll(async () => {
    await h.close();
    rmSync(docsDir, { recursive: true, force: true });
  });

  const get = (url: string, who = VIEWER) => h.app.inject({ method: 'GET', url, headers: { authorization: basic(who) } });

  it('asks for a sign-in, refuses a wrong password and leaves the probes open', async () => {
    const anonymous = await h.app.inject({ method: 'GET', url: '/grants' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic realm=/);
    expect((await get('/grants', { user: ADMIN.user, password: 'wrong-password' })).statusCode).toBe(401);
    expect((await get('/grants', { user: 'nobody', password: 'x' })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/assets/dashboard.js' })).statusCode).toBe(200);
  });

  it('lists live grants with escaped Japanese and English data, and end buttons for admins only', async () => {
    const grant = await h.requests.create(aRequest({ requester: { email: 'evil@example.com', displayName: '<script>alert("x")</script> 悪い人' } }));
    const viewer = await get('/grants');
    expect(viewer.statusCode).toBe(200);
    expect(viewer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(viewer.headers['content-security-policy']).toContain("script-src 'self'");
    expect(viewer.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; 悪い人');
    expect(viewer.body).not.toContain('<script>alert');
    expect(viewer.body).toContain(`data-request-id="${grant.id}"`);
    expect(viewer.body).toContain(`data-ends-at="${grant.endsAt}"`);
    expect(viewer.body).not.toContain('data-action="end-now"');

    const admin = await get('/grants', ADMIN);
    expect(admin.body).toContain(`action="/grants/${grant.id}/end"`);
    expect(admin.body).toContain('Ops Admin 管理者');

    const fragment = await get('/grants?fragment=1');
    expect(fragment.body.startsWith('<div id="grants" data-refresh-url')).toBe(true);
    expect(fragment.body).toContain('1 active of 1 listed.'); // the counts refresh with the list
  });

  it('refuses "end now" to a read-only user, without a form token, or from another site', async () => {
    const grant = await h.requests.create(aRequest());
    const token = csrfFrom((await get('/grants', ADMIN)).body);
    const post = (who: typeof ADMIN, payload: string, headers: Record<string, string> = {}) =>
      h.app.inject({
        method: 'POST',
        url: `/grants/${grant.id}/end`,
        headers: { authorization: basic(who), 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:80', ...headers },
        payload,
      });

    const viewer = await post(VIEWER, `csrf=${token}`);
    expect(viewer.statusCode).toBe(403);
    expect(viewer.json()).toMatchObject({ code: 'ADMIN_ONLY' });
    expect((await post(ADMIN, '')).json()).toMatchObject({ code: 'CSRF_TOKEN_INVALID' });
    expect((await post(ADMIN, 'csrf=forged')).statusCode).toBe(403);
    expect((await post(ADMIN, `csrf=${token}`, { origin: 'https://evil.example' })).json()).toMatchObject({ code: 'CROSS_SITE_REQUEST' });
    expect(ended.filter((e) => e.id === grant.id)).toHaveLength(0);

    const ok = await post(ADMIN, `csrf=${token}&back=request`);
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe(`/requests/${grant.id}?done=ended`);
    expect(ended).toContainEqual({ id: grant.id, by: { displayName: 'Ops Admin 管理者' } });
    const notes = (await h.audit.list(grant.id)).filter((e) => e.kind === 'note');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ actor: ADMIN.user, data: { via: 'ops-dashboard', action: 'end-now', role: 'admin' } });

    // The lifecycle refuses (e.g. already ending): the admin reads why, on a page.
    refuseNext = true;
    const refusedByLifecycle = await post(ADMIN, `csrf=${token}`);
    refuseNext = false;
    expect(refusedByLifecycle.statusCode).toBe(409);
    expect(refusedByLifecycle.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(refusedByLifecycle.body).toContain('Request is revoking; it cannot be ended now.');
  });

  it('filters requests by state, requester, cluster and date', async () => {
    const day = (d: string) => `${d}T10:00:00.000Z`;
    const old = await h.requests.create(aRequest({ state: 'revoked', requestedAt: day('2026-01-05'), updatedAt: day('2026-01-05'), target: { clusterId: 'billing-stg', database: 'billing', environment: 'stg' } }));
    const other = await h.requests.create(
      aRequest({ state: 'denied', requester: { email: 'hanako@example.com', displayName: '花子' }, requestedAt: day('2026-01-06'), updatedAt: day('2026-01-06') }),
    );
    const ids = (body: string) => [...body.matchAll(/href="\/requests\/([0-9A-Z]{26})"/g)].map((m) => m[1]);

    const byState = await get('/requests?state=revoked&from=2026-01-01&to=2026-01-31');
    expect(ids(byState.body)).toEqual([old.id]);
    const byRequester = await get('/requests?requester=HANAKO@example.com');
    expect(ids(byRequester.body)).toEqual([other.id]);
    const byCluster = await get('/requests?cluster=billing-stg&from=2026-01-01');
    expect(ids(byCluster.body)).toEqual([old.id]);
    const byDate = await get('/requests?from=2026-01-06&to=2026-01-06');
    expect(ids(byDate.body)).toEqual([other.id]);
    expect((await get('/requests?state=nonsense')).statusCode).toBe(400);
  });

  it('shows a verified timeline, and a broken chain loudly', async () => {
    const r = await h.requests.create(aRequest({ state: 'revoked', revokedAt: new Date().toISOString(), revokeReason: 'expired' }));
    for (const kind of ['requested', 'approved', 'activated', 'revoked'] as const) await h.audit.append(r.id, { key: kind, kind, actor: 'test', data: { note: `${kind} – 手順` } });
    const good = await get(`/requests/${r.id}`);
    expect(good.body).toContain('data-chain="ok"');
    expect(good.body).toContain('Audit chain verified: 4 events');
    expect(good.body).toContain('data-closed');
    expect(good.body).toContain('data-final');

    // Someone edits event 2 where it is stored (inline on the request item): the page must say so, not hide it.
    await h.dynamo.doc.send(
      new UpdateCommand({ TableName: tableName(h.dynamo.tablePrefix, 'requests'), Key: { id: r.id }, UpdateExpression: 'SET auditEvents[1].actor = :a', ExpressionAttributeValues: { ':a': 'someone-else' } }),
    );
    const bad = await get(`/requests/${r.id}`);
    expect(bad.body).toContain('data-chain="broken"');
    expect(bad.body).toContain('role="alert"');
    expect(bad.body).toContain('AUDIT CHAIN BROKEN at event #2 (approved)');
    expect((await get('/requests/01ARZ3NDEKTSV4RRFFQ69G5FAV')).statusCode).toBe(404);
  });

  it('shows a scheduled start and a duration an approver shortened on the request page (#15)', async () => {
    const r = await h.requests.create(aRequest({ state: 'approved', durationMinutes: 60, approvedMinutes: 30, startAt: '2030-01-02T03:04:05.000Z' }));
    const page = await get(`/requests/${r.id}`);
    expect(page.body).toContain('<span data-approved-minutes>30 of the 60 min asked (shortened by an approver)</span>');
    expect(page.body).toMatch(/<dt>Starts<\/dt><dd data-start-at>.*2030-01-02.*\(scheduled\)<\/dd>/);
    const plain = await get(`/requests/${(await h.requests.create(aRequest({ durationMinutes: 45 }))).id}`);
    expect(plain.body).not.toContain('data-start-at');
    expect(plain.body).toContain('<dt>Duration</dt><dd>45 min');
  });

  it('shows doc crawls per cluster with the latest changelog entries, and stored schema reviews', async () => {
    const put = (table: 'reviews', Item: Record<string, unknown>) => h.dynamo.doc.send(new PutCommand({ TableName: tableName(h.dynamo.tablePrefix, table), Item }));
    const runs = createCrawlRunsRepo({ dynamo: h.dynamo });
    for (const runId of ['20261124T010000000Z-aaaaaa', '20261125T010000000Z-bbbbbb']) {
      await runs.createRun({ runId, status: 'done', trigger: 'schedule', clusterIds: ['demo'], requestedAt: new Date().toISOString() });
    }
    await runs.putClusterCrawl({ clusterId: 'demo', runId: '20261124T010000000Z-aaaaaa', status: 'ok', durationMs: 42_000, changed: true, changes: 1, tables: 12 });
    await runs.putClusterCrawl({ clusterId: 'demo', runId: '20261125T010000000Z-bbbbbb', status: 'failed', durationMs: 5_000, code: 'CONNECT_FAILED', error: 'connect ECONNREFUSED <127.0.0.1>' });
    await sink.write(
      'demo/CHANGELOG.md',
      '# Changelog of cluster `demo`\n\nNewest first.\n\n## 2026-11-24T01:00:40.000Z\n\n### Schema\n\n- table `demo_shop`.`注文` added\n\n## 2026-11-20T01:00:00.000Z\n\n- first snapshot: 2 schemas\n',
      'text/markdown',
    );
    await sink.write(
      'demo/README.md',
      '# demo <script>x</script>\n\n![ER diagram](er.svg)\n\n[orders](demo_shop/orders.md) · [bad](javascript:alert(1)) · <img src=x onerror=alert(2)>\n\n| column | type |\n|---|---|\n| id | bigint |\n\n```mermaid\nerDiagram\n  orders ||--o{ items : has\n```\n',
      'text/markdown',
    );
    const crawls = await get('/crawls');
    expect(crawls.body).toContain('data-cluster="demo"');
    expect(crawls.body).toContain('2026-11-25 01:00:00 UTC');
    expect(crawls.body).toContain('5 s');
    expect(crawls.body).toContain('badge bad">failed');
    expect(crawls.body).toContain('CONNECT_FAILED: connect ECONNREFUSED &lt;127.0.0.1&gt;');
    expect(crawls.body).toContain('previous: ok 2026-11-24 01:00:00 UTC');
    expect(crawls.body).toContain('table &#96;demo_shop&#96;.&#96;注文&#96; added');
    expect(crawls.body).toContain('href="/published-docs/demo/README.md"');
    // Markdown reads as a page: rendered, raw HTML shown as text, unsafe links dropped, diagrams drawn.
    const doc = await get('/published-docs/demo/README.md');
    expect(doc.statusCode).toBe(200);
    expect(doc.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(doc.headers['content-security-policy']).toContain("script-src 'self'");
    expect(doc.body).toContain('<h1>demo &lt;script&gt;x&lt;/script&gt;</h1>');
    expect(doc.body).toContain('<img src="er.svg" alt="ER diagram" loading="lazy">');
    expect(doc.body).toContain('<a href="demo_shop/orders.md">orders</a>');
    expect(doc.body).not.toContain('javascript:');
    expect(doc.body).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(doc.body).toContain('<td>bigint</td>');
    expect(doc.body).toContain('<pre class="mermaid">erDiagram\n  orders ||--o{ items : has</pre>');
    expect(doc.body).toContain('<script src="/assets/mermaid.js" defer></script>');
    const source = await get('/published-docs/demo/README.md?raw=1');
    expect(source.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(source.headers['content-security-policy']).toContain('sandbox');
    expect((await get('/published-docs/demo/../../etc/passwd.md')).statusCode).toBe(404);
    expect((await get('/published-docs/demo/missing.md')).statusCode).toBe(404);
    expect((await get('/published-docs/demo/%2e%2e/%2e%2e/etc/passwd.md')).statusCode).toBe(404);
    expect((await get('/published-docs/demo/%252e%252e/README.md')).statusCode).toBe(404);
    expect((await get('/published-docs/demo/page.html')).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/published-docs/demo/README.md' })).statusCode).toBe(401);

    await put('reviews', { id: 'r1', createdAt: '2026-11-25T02:00:00.000Z', title: 'CREATE TABLE 顧客', verdict: 'warn', findings: [{ ruleId: 'pk-required', severity: 'error', message: '<b>no primary key</b>' }] });
    const reviews = await get('/reviews');
    expect(reviews.body).toContain('CREATE TABLE 顧客');
    expect(reviews.body).toContain('&lt;b&gt;no primary key&lt;/b&gt;');
  });
});
