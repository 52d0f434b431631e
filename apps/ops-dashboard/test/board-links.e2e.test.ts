/**
 * bull-board in a real browser (Debian's chromium, playwright-core): a job's card links to its
 * request in the dashboard, and the board's times follow the dashboard's time-zone choice.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createQueue, enqueue } from '@dbre/queue';
import { listen } from '@dbre/service-kit';
import { VIEWER, startHarness, type Harness } from './helpers';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../../../test-artifacts');
const REQUEST = '01JE8Q4Z7R3M6V2K9T1W5XN0BD';

jest.setTimeout(90_000);

describe('bull-board in a real browser', () => {
  let h: Harness;
  let browser: Browser;
  let base: string;
  const revoke = () => createQueue('revoke', h.redis, { prefix: h.queuePrefix });

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startHarness();
    base = await listen(h.app, { host: '127.0.0.1', port: 0 });
    const queue = revoke();
    await enqueue(queue, { requestId: REQUEST, reason: 'expired' }, { jobId: `revoke-${REQUEST}`, delay: 3_600_000 });
    await queue.close();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (h) {
      const queue = revoke();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await h.close();
    }
  });

  it('shows a link from the revoke job to its request page, and the reason in its name', async () => {
    const context = await browser.newContext({ httpCredentials: { username: VIEWER.user, password: VIEWER.password }, viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/queues/queue/revoke?status=delayed`);
    const link = page.getByRole('link', { name: `request ${REQUEST}` });
    await link.waitFor({ timeout: 20_000 });
    expect(await link.evaluate((a) => (a as unknown as { href: string }).href)).toBe(`${base}/requests/${REQUEST}`);
    await page.getByText('revoke — expired').first().waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'ops-dashboard-queue-job-link.png') });
    await context.close();
  });

  it('writes board times in UTC, or in the browser’s zone once that was chosen in the dashboard', async () => {
    const context = await browser.newContext({ httpCredentials: { username: VIEWER.user, password: VIEWER.password }, timezoneId: 'Asia/Tokyo' });
    const page = await context.newPage();
    const boardZone = () =>
      page.evaluate(() => {
        const doc = (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } | null } }).document;
        return (JSON.parse(doc.getElementById('__UI_CONFIG__')?.textContent ?? '{}') as { dateFormats: { short: { timeZone: string } } }).dateFormats.short.timeZone;
      });
    await page.goto(`${base}/queues`);
    expect(await boardZone()).toBe('UTC');
    // The dashboard's header choice is kept in localStorage (same origin as the board).
    await page.goto(`${base}/grants`);
    // The choice reloads the page: wait for that load, or the next goto races it (net::ERR_ABORTED).
    await Promise.all([page.waitForEvent('load'), page.selectOption('#tz-choice', 'local')]);
    await page.goto(`${base}/queues`);
    expect(await boardZone()).toBe('Asia/Tokyo');
    await context.close();
  });
});
