/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core) against the
 * whole access lifecycle in this process: a grant is created and approved through REST, shows
 * on the live grants page, is ended from the page by an admin (through request-api's own end
 * route), and its timeline closes. A read-only user sees no admin button and is refused when it
 * posts anyway. Screenshots go to test-artifacts/ (gitignored).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parseSection, readPlatformFile } from '@dbre/config';
import { accessPolicySchema, type AuditKind } from '@dbre/domain';
import { createFolderEvidenceStore, type AuditRecord } from '@dbre/drivers';
import { collectEvidence, evidenceSealedEvent } from '@dbre/evidence';
import { closeRedis, createRedis } from '@dbre/queue';
import { createLifecycle, listen, type HttpApp } from '@dbre/service-kit';
import { captureLogger, testServices, waitFor } from '@dbre/testing';
import type { Redis } from 'ioredis';
// The shared in-process lifecycle (request-api, approval-api, provisioner, reaper) of tools/e2e:
// a folder, not an Nx project, so the boundary rule cannot see it. Test-only.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { ALICE, BOB, CAROL, TOKEN, startAccessStack, type AccessStack } from '../../../tools/e2e/access-stack';
import { createApprovalApiDecisions } from '../src/actions/approval-api-decisions';
import { createRequestApiGrantActions } from '../src/actions/request-api-grant-actions';
import { buildApp } from '../src/app';
import { createBasicAuthenticator } from '../src/auth/basic-auth';
import { hashPassword } from '../src/auth/password-hash';
import { aRequest } from './helpers';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../../../test-artifacts');
const admin = { username: 'carol', password: 'carol-dashboard-パスワード' };
const viewer = { username: 'dave', password: 'dave-dashboard-password' };
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WIDTHS = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

/** axe-core run in the page: the serious and critical violations, as `rule: selectors` lines. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  const found = await page.evaluate(async () => {
    // Runs in the page (this project's types have no DOM lib): the page's globals, typed by hand.
    const inPage = globalThis as unknown as { document: unknown; axe: { run: (ctx: unknown, o: object) => Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } };
    const res = await inPage.axe.run(inPage.document, { resultTypes: ['violations'] });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.targets.join(', ')}`);
}

jest.setTimeout(90_000);

describe('ops-dashboard in a real browser', () => {
  let stack: AccessStack;
  let dashboard: HttpApp;
  let redis: Redis;
  let browser: Browser;
  let base: string;
  const evidenceDir = mkdtempSync(path.join(tmpdir(), 'ops-e2e-evidence-'));
  const evidenceStore = createFolderEvidenceStore({ root: evidenceDir });

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (CI: WITH_CHROMIUM=1 tools/local-stack/ensure-services.sh)`);
    mkdirSync(ARTIFACTS, { recursive: true });
    // 10 policy minutes of 6 s: the grant is live for 60 s, long enough to be ended by hand on a busy machine.
    stack = await startAccessStack({ minuteMs: 6000, warnBeforeMinutes: 1 });
    const requestApiUrl = await listen(stack.requestApi, { host: '127.0.0.1', port: 0 });
    const approvalApiUrl = await listen(stack.approvalApi, { host: '127.0.0.1', port: 0 });
    const platformFile = String(stack.childEnv()['PLATFORM_CONFIG']);
    redis = createRedis(testServices.redisUrl, 'producer');
    dashboard = await buildApp({
      logger: captureLogger('ops-dashboard', 'warn').logger,
      lifecycle: createLifecycle(),
      redis,
      dynamo: stack.dynamo,
      queuePrefix: stack.prefix,
      csrfSecret: 'e2e-csrf-secret-of-at-least-32-chars',
      authenticator: await createBasicAuthenticator({
        users: [
          // Carol is an approver in the stack's policy: request-api lets her end grants.
          { name: admin.username, role: 'admin', displayName: 'Carol (DBRE)', email: CAROL, passwordHash: await hashPassword(admin.password, { N: 1024 }) },
          { name: viewer.username, role: 'viewer', passwordEnv: 'VIEWER_PASSWORD' },
        ],
        env: { VIEWER_PASSWORD: viewer.password },
      }),
      grantActions: createRequestApiGrantActions({ baseUrl: requestApiUrl, token: TOKEN }),
      decisions: createApprovalApiDecisions({ baseUrl: approvalApiUrl, token: TOKEN }),
      policy: parseSection(platformFile, 'access', accessPolicySchema, readPlatformFile(platformFile)),
      metricsPollMs: 0,
      queueSampleMs: 0,
      evidenceStore,
    });
    base = await listen(dashboard, { host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    if (redis) await closeRedis(redis);
    await stack?.close();
    rmSync(evidenceDir, { recursive: true, force: true });
  });

  it('shows a live grant, lets an admin end it from the page and the timeline close; a viewer cannot', async () => {
    const created = await stack.ask(ALICE, { durationMinutes: 10, reason: '本番障害の調査 / investigate INC-42 slow queries' });
    expect((await stack.approve(created.id, BOB)).status).toBe(200);
    await stack.waitState(created.id, 'active');

    // A read-only user: sees the grant counting down, no admin button, and is refused if it posts anyway.
    const viewerContext = await browser.newContext({ httpCredentials: viewer, viewport: { width: 1366, height: 768 }, locale: 'ja-JP' });
    const viewerPage = await viewerContext.newPage();
    await viewerPage.goto(`${base}/grants`);
    const viewerRow = viewerPage.locator(`tr[data-request-id="${created.id}"]`);
    await viewerRow.waitFor();
    expect(await viewerRow.textContent()).toContain(ALICE);
    expect(await viewerPage.locator('[data-action="end-now"]').count()).toBe(0);
    const left = viewerRow.locator('.time-left');
    const before = await left.textContent();
    await waitFor(async () => (await left.textContent()) !== before, { timeoutMs: 5000, what: 'the time left to change without a reload' });
    expect(await left.textContent()).toMatch(/^\d+m \d{2}s$/);
    const refused = await viewerPage.evaluate(async (id) => {
      const res = await fetch(`/grants/${id}/end`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=anything' });
      return { status: res.status, body: await res.json() };
    }, created.id);
    expect(refused).toMatchObject({ status: 403, body: { code: 'ADMIN_ONLY' } });
    // The queue board renders in the browser, read-only for this user.
    await viewerPage.goto(`${base}/queues`);
    await viewerPage.getByText('docs-cluster', { exact: false }).first().waitFor({ timeout: 15_000 });
    await viewerPage.screenshot({ path: path.join(ARTIFACTS, 'ops-dashboard-queues-read-only.png') });
    expect((await viewerPage.goto(`${base}/admin/queues`))?.status()).toBe(403);
    await viewerContext.close();

    // An admin: ends it from the live grants page.
    const adminContext = await browser.newContext({ httpCredentials: admin, viewport: { width: 1366, height: 768 } });
    const page = await adminContext.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${base}/grants`);
    const row = page.locator(`tr[data-request-id="${created.id}"]`);
    await row.waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'ops-dashboard-live-grants.png'), fullPage: true });
    await Promise.all([page.waitForURL(`${base}/grants?ended=${created.id}`), row.locator('[data-action="end-now"]').click()]);
    // A confirmation says what happens; the row stops counting down.
    expect(await page.locator('[data-notice]').textContent()).toContain(`Ending ${ALICE}'s access`);
    await page.locator(`tr[data-request-id="${created.id}"][data-state="active"]`).waitFor({ state: 'detached', timeout: 15_000 });

    // The timeline refreshes itself until the request is closed.
    await page.goto(`${base}/requests/${created.id}`);
    await page.locator('#timeline[data-state="revoked"] [data-closed]').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-chain="ok"]').count()).toBe(1);
    expect(await page.locator('#timeline').textContent()).toContain('本番障害の調査 / investigate INC-42');
    const kinds = await page.locator('#timeline [data-kind]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')));
    expect(kinds).toEqual(expect.arrayContaining(['requested', 'approved', 'activated', 'revoke_started', 'note', 'sessions_killed', 'user_dropped', 'revoked']));
    await page.screenshot({ path: path.join(ARTIFACTS, 'ops-dashboard-timeline-closed.png'), fullPage: true });
    await adminContext.close();

    // The lifecycle's own record: ended by an approver through request-api, the admin action audited, the chain intact.
    const stored = await stack.requests.require(created.id);
    expect(stored).toMatchObject({ state: 'revoked', revokeReason: 'ended_by_approver' });
    const events = await stack.audit.list(created.id);
    expect(events.find((e) => e.kind === 'revoke_started')).toMatchObject({ actor: CAROL });
    expect(events.find((e) => e.kind === 'note')).toMatchObject({ actor: CAROL, data: { via: 'ops-dashboard', action: 'end-now' } });
    expect((await stack.audit.verifyChain(created.id)).ok).toBe(true);
    expect(await stack.platformUsers()).toEqual([]);
  });

  it('every page reads well at 1440 and 390 px with no serious accessibility violation; an approver decides from a phone', async () => {
    // A live grant (for the grants page and the charts) and a pending prod request (to approve).
    const live = await stack.ask(ALICE, { durationMinutes: 10, reason: 'check the nightly batch INC-77 / 夜間バッチ確認' });
    expect((await stack.approve(live.id, BOB)).status).toBe(200);
    await stack.waitState(live.id, 'active');
    const pending = await stack.ask(ALICE, { clusterId: 'proddb', durationMinutes: 5, reason: 'read the payments table for INC-78' });
    await dashboard.overviewSampler?.sampleOnce();
    await dashboard.dashboardMetrics?.pollOnce();

    // First, while the grant is live (10 policy minutes of 6 s): on a phone the grant is a card,
    // Time left and End now are on screen; Carol approves the pending prod request from there.
    {
      const phone = await browser.newContext({ httpCredentials: admin, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      const page = await phone.newPage();
      page.on('dialog', (dialog) => void dialog.accept()); // Approve in prod asks to confirm
      await page.goto(`${base}/grants`);
      const card = page.locator(`tr[data-request-id="${live.id}"]`);
      await card.waitFor();
      for (const part of [card.locator('.time-left'), card.locator('[data-action="end-now"]')]) {
        const box = await part.boundingBox();
        expect(box).not.toBeNull();
        expect(box!.x + box!.width).toBeLessThanOrEqual(390);
      }
      await page.screenshot({ path: path.join(ARTIFACTS, 'ops-dashboard-grants-phone-390.png'), fullPage: true });
      await page.goto(`${base}/requests/${pending.id}`);
      await Promise.all([page.waitForURL(`${base}/requests/${pending.id}?done=approved`), page.locator('[data-action="approve"]').click()]);
      expect(await page.locator('[data-notice]').textContent()).toContain('Your approval is recorded');
      await page.screenshot({ path: path.join(ARTIFACTS, 'ops-dashboard-request-approved-390.png'), fullPage: true });
      await phone.close();
    }
    // The time-zone choice: times written in UTC read in the browser's zone once chosen.
    {
      const tokyo = await browser.newContext({ httpCredentials: admin, viewport: { width: 1440, height: 900 }, timezoneId: 'Asia/Tokyo' });
      const page = await tokyo.newPage();
      await page.goto(`${base}/requests/${live.id}`);
      expect(await page.locator('#timeline').textContent()).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
      await Promise.all([page.waitForEvent('load'), page.selectOption('#tz-choice', 'local')]);
      await page.locator('#timeline').waitFor();
      const text = (await page.locator('#timeline').textContent()) ?? '';
      expect(text).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\+09:00/);
      expect(text).not.toMatch(/:\d{2} UTC(?!\+)/);
      await tokyo.close();
    }

    const pages = [
      { name: 'overview', url: '/' },
      { name: 'grants', url: '/grants' },
      { name: 'requests', url: '/requests' },
      { name: 'request-pending', url: `/requests/${pending.id}` },
      { name: 'request-timeline', url: `/requests/${live.id}` },
      { name: 'crawls', url: '/crawls' },
      { name: 'reviews', url: '/reviews' },
      { name: 'admin-log', url: '/admin-log' },
      { name: 'not-found', url: '/requests/01ARZ3NDEKTSV4RRFFQ69G5FAV' },
    ];
    const problems: string[] = [];
    for (const size of WIDTHS) {
      // CSP allows our scripts only; the test injects axe, so this context bypasses it.
      const context = await browser.newContext({ httpCredentials: admin, viewport: { width: size.width, height: size.height }, bypassCSP: true });
      const page = await context.newPage();
      page.on('dialog', (dialog) => void dialog.accept());
      for (const p of pages) {
        await page.goto(`${base}${p.url}`);
        if (p.name === 'overview') await page.locator('.uplot').first().waitFor({ timeout: 10_000 });
        // Nothing wider than the screen: no sideways scrolling.
        const overflow = await page.evaluate(() => {
          const inPage = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
          return inPage.document.documentElement.scrollWidth - inPage.innerWidth;
        });
        if (overflow > 1) problems.push(`${size.name} ${p.name}: ${overflow}px wider than the screen`);
        for (const v of await seriousViolations(page)) problems.push(`${size.name} ${p.name}: ${v}`);
        await page.screenshot({ path: path.join(ARTIFACTS, `ops-dashboard-${p.name}-${size.width}.png`), fullPage: true });
      }
      await context.close();
    }
    expect(problems).toEqual([]);
    const approved = await stack.requests.require(pending.id);
    expect(approved.approvals.map((a) => a.by.email)).toEqual([CAROL]);
    expect(approved.state).toBe('requested'); // prod needs a second approver
    const events = await stack.audit.list(pending.id);
    expect(events.find((e) => e.kind === 'approved')).toMatchObject({ actor: CAROL, data: { via: 'e2e' } });
  }, 300_000); // 2 widths x 9 pages, axe on each: slow on a shared 2-core machine
  it('shows a grant’s evidence inert and readable at 1440 and 390 px, and downloads the exact sealed bytes', async () => {
    // Seeded with libs/evidence directly (the lifecycle's own collection is wired elsewhere).
    const decided = new Date(Date.now() - 3600_000);
    const request = await stack.requests.create(
      aRequest({ state: 'revoked', decidedAt: decided.toISOString(), revokedAt: new Date(decided.getTime() + 600_000).toISOString(), revokeReason: 'expired', resources: { dbUser: 'jit_alice_e2e' } }),
    );
    const path_: AuditKind[] = ['requested', 'approved', 'provisioning_started', 'user_created', 'activated', 'revoke_started', 'user_dropped', 'revoked'];
    for (const kind of path_) await stack.audit.append(request.id, { key: kind, kind, data: {} });
    const base_ = { server: 'db-1', user: 'jit_alice_e2e', host: '10.0.0.9', connectionId: 77, database: 'orders', resultCode: 0 };
    const at = (s: number) => new Date(decided.getTime() + 60_000 + s * 1000).toISOString();
    const statements = [
      `SELECT '<img src=x onerror=alert(1)><script>alert("pwned")</script>' AS x`,
      'SELECT id FROM orders /* \u202Etxt.exe\u202C */ WHERE note = \'\u2067evil\u2069\'',
      `UPDATE orders SET note = '${'a-very-long-unbroken-value-'.repeat(12)}' WHERE id = 7`,
      ...Array.from({ length: 60 }, (_, i) => `SELECT * FROM orders WHERE id = ${i + 10}`),
    ];
    const records: AuditRecord[] = [
      { ...base_, at: at(0), queryId: 0, kind: 'connect', operation: 'CONNECT' },
      ...statements.map((statement, i): AuditRecord => ({ ...base_, at: at(i + 1), queryId: i + 1, kind: 'query', operation: 'QUERY', statement })),
      { ...base_, at: at(99), queryId: 0, kind: 'disconnect', operation: 'DISCONNECT' },
    ];
    const collected = await collectEvidence({
      request,
      events: await stack.audit.list(request.id),
      auditSource: { records: async () => ({ records, source: 'mariadb-server-audit:/var/lib/mysql/server_audit.log', warnings: [] }) },
      evidenceStore,
      clusterAuditLogging: { enabled: false, detail: 'server_audit_logging=OFF on db-1' },
    });
    await stack.audit.append(request.id, evidenceSealedEvent(collected));

    const problems: string[] = [];
    for (const size of WIDTHS) {
      const context = await browser.newContext({ httpCredentials: admin, viewport: { width: size.width, height: size.height }, bypassCSP: true, acceptDownloads: true });
      const page = await context.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await page.goto(`${base}/requests/${request.id}`);
      await page.locator('#evidence [data-bundle="revoke"][data-status="verified"]').waitFor();
      // The hostile statement is text on screen; the bidi overrides are named, not applied.
      const cells = await page.locator('#evidence tr[data-kind="query"] td.stmt').allInnerTexts();
      expect(cells[0]).toBe(statements[0]);
      expect(cells[1]).toBe('SELECT id FROM orders /* ⟨U+202E⟩txt.exe⟨U+202C⟩ */ WHERE note = \'⟨U+2067⟩evil⟨U+2069⟩\'');
      expect(await page.locator('#evidence img, #evidence script').count()).toBe(0);
      expect(await page.locator('#evidence [data-warnings]').innerText()).toContain('audit logging was off on the cluster');
      expect(await page.locator('#evidence tr[data-kind]').count()).toBe(50);
      const overflow = await page.evaluate(() => {
        const inPage = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
        return inPage.document.documentElement.scrollWidth - inPage.innerWidth;
      });
      if (overflow > 1) problems.push(`${size.name} evidence: ${overflow}px wider than the screen`);
      for (const v of await seriousViolations(page)) problems.push(`${size.name} evidence: ${v}`);
      await page.screenshot({ path: path.join(ARTIFACTS, `ops-dashboard-request-evidence-${size.width}.png`), fullPage: true });
      if (size.name === 'desktop') {
        await Promise.all([page.waitForURL(/page=2#evidence-records$/), page.locator('nav[aria-label="Record pages"] a[rel="next"]').click()]);
        expect(await page.locator('#evidence tr[data-kind]').count()).toBe(15);
        const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-action="download-evidence"]').click()]);
        expect(download.suggestedFilename()).toBe(`evidence-${request.id}-revoke.json`);
        const file = await download.path();
        expect(readFileSync(file).equals(readFileSync(path.join(evidenceDir, collected.key)))).toBe(true);
      }
      expect(dialogs).toEqual([]);
      await context.close();
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
