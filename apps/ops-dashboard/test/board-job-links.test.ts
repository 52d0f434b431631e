import { runInNewContext } from 'node:vm';
import { createQueue, enqueue } from '@dbre/queue';
import { BOARD_ZONE_SCRIPT } from '../src/queues/bull-board';
import { jobLink, jobName, requestIdOfJob } from '../src/queues/job-links';
import { VIEWER, basic, startHarness, type Harness } from './helpers';

const REQUEST = '01JE8Q4Z7R3M6V2K9T1W5XN0BD';

describe('links from a job to its request', () => {
  it('takes the request id from the data, or the ULID inside a notification id, and nothing else', () => {
    expect(requestIdOfJob({ data: { requestId: REQUEST } })).toBe(REQUEST);
    expect(requestIdOfJob({ data: { notificationId: `review-${REQUEST}-bob@example.com` } })).toBe(REQUEST);
    expect(requestIdOfJob({ data: { requestId: 'javascript:alert(1)' } })).toBeUndefined();
    expect(requestIdOfJob({ data: { requestId: `../../admin-log?x=${REQUEST}` } })).toBeUndefined();
    expect(requestIdOfJob({ data: { requestId: REQUEST.toLowerCase() } })).toBeUndefined();
    expect(requestIdOfJob({ data: { notificationId: 'digest-daily' } })).toBeUndefined();
    expect(requestIdOfJob({ data: null })).toBeUndefined();
    expect(requestIdOfJob({})).toBeUndefined();
  });

  it('links access jobs to the request page, doc-crawler jobs to the crawls page, others nowhere', () => {
    expect(jobLink('revoke', { data: { requestId: REQUEST, reason: 'expired' } })).toEqual({ href: `/requests/${REQUEST}`, displayText: `request ${REQUEST}` });
    expect(jobLink('notify', { data: { notificationId: `approved-${REQUEST}` } })).toEqual({ href: `/requests/${REQUEST}`, displayText: `request ${REQUEST}` });
    expect(jobLink('docs-cluster', { data: { runId: '20261202T030000412Z-9f3a1c', clusterId: 'orders-prod' } })).toEqual({ href: '/crawls', displayText: 'crawls of orders-prod' });
    expect(jobLink('docs-cluster', { data: { clusterId: '<img src=x onerror=alert(1)>' } })).toEqual({ href: '/crawls', displayText: 'crawls' });
    expect(jobLink('docs-fleet', { data: { trigger: 'schedule' } })).toEqual({ href: '/crawls', displayText: 'crawls' });
    expect(jobLink('sweep', { data: {} })).toBeUndefined();
    expect(jobLink('revoke', { data: { requestId: 'https://evil.example.com' } })).toBeUndefined();
  });

  it('names revoke jobs with why they run', () => {
    expect(jobName('revoke', { name: 'revoke', data: { requestId: REQUEST, reason: 'expired' } })).toBe('revoke — expired');
    expect(jobName('revoke', { name: 'revoke', data: { requestId: REQUEST, reason: 'ended_by_approver' } })).toBe('revoke — ended by an approver');
    expect(jobName('revoke', { name: 'revoke', data: { requestId: REQUEST, reason: 'constructor' } })).toBe('revoke — reason not given');
    expect(jobName('revoke', { name: 'revoke', data: { requestId: REQUEST } })).toBe('revoke — reason not given');
    expect(jobName('provision', { name: 'provision', data: { requestId: REQUEST } })).toBe('provision');
  });
});

describe('the board script that follows the dashboard’s time-zone choice', () => {
  const run = (pref: string | null, zone = 'Asia/Tokyo') => {
    const element = { textContent: JSON.stringify({ boardTitle: 'q', dateFormats: { short: { timeZone: 'UTC', hour: '2-digit' }, full: { timeZone: 'UTC', year: 'numeric' } } }) };
    runInNewContext(BOARD_ZONE_SCRIPT, {
      localStorage: { getItem: (key: string) => (key === 'dbre-tz' ? pref : null) },
      Intl: { DateTimeFormat: () => ({ resolvedOptions: () => ({ timeZone: zone }) }) },
      document: { getElementById: (id: string) => (id === '__UI_CONFIG__' ? element : null) },
      JSON,
      Object,
    });
    return JSON.parse(element.textContent) as { dateFormats: Record<string, { timeZone: string }> };
  };

  it('keeps UTC unless the browser’s zone was chosen, then uses it in every format', () => {
    expect(run(null).dateFormats['short']?.timeZone).toBe('UTC');
    expect(run('utc').dateFormats['full']?.timeZone).toBe('UTC');
    const local = run('local', 'Asia/Tokyo');
    expect([local.dateFormats['short']?.timeZone, local.dateFormats['full']?.timeZone]).toEqual(['Asia/Tokyo', 'Asia/Tokyo']);
  });
});

describe('the boards show each job’s link and reason', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  const view = (url: string) => h.app.inject({ url, headers: { authorization: basic(VIEWER) } });

  it('gives revoke and notify jobs a link to their request, and none to a job with a forged id', async () => {
    const revoke = createQueue('revoke', h.redis, { prefix: h.queuePrefix });
    const notify = createQueue('notify', h.redis, { prefix: h.queuePrefix });
    await enqueue(revoke, { requestId: REQUEST, reason: 'ended_by_approver' }, { jobId: `revoke-${REQUEST}`, delay: 3_600_000 });
    await enqueue(revoke, { requestId: 'javascript:alert(1)', reason: 'expired' }, { jobId: 'revoke-forged', delay: 3_600_000 });
    await enqueue(notify, { notificationId: `approved-${REQUEST}` }, { jobId: `notify-approved-${REQUEST}`, delay: 3_600_000 });
    try {
      const board = await view('/queues/api/queues?activeQueue=revoke&status=delayed');
      expect(board.statusCode).toBe(200);
      type BoardJob = { id: string; name: string; externalUrl?: { href: string; displayText?: string } };
      const jobsOf = (body: unknown, queue: string) => (body as { queues: Array<{ name: string; jobs: BoardJob[] }> }).queues.find((q) => q.name === queue)?.jobs ?? [];
      const byId = new Map(jobsOf(board.json(), 'revoke').map((j) => [j.id, j]));
      expect(byId.get(`revoke-${REQUEST}`)).toMatchObject({ name: 'revoke — ended by an approver', externalUrl: { href: `/requests/${REQUEST}`, displayText: `request ${REQUEST}` } });
      expect(byId.get('revoke-forged')?.name).toBe('revoke — expired');
      expect(byId.get('revoke-forged')?.externalUrl).toBeUndefined();
      const notifyBoard = await view('/queues/api/queues?activeQueue=notify&status=delayed');
      expect(jobsOf(notifyBoard.json(), 'notify')[0]?.externalUrl).toEqual({ href: `/requests/${REQUEST}`, displayText: `request ${REQUEST}` });
    } finally {
      await revoke.obliterate({ force: true });
      await notify.obliterate({ force: true });
      await revoke.close();
      await notify.close();
    }
  });

  it('loads the zone script right after the board’s config, from the dashboard itself', async () => {
    const page = await view('/queues');
    expect(page.body).toMatch(/<script id="__UI_CONFIG__"[^>]*>[^<]*<\/script><script src="\/assets\/board-zone\.js"><\/script>/);
    expect((await h.app.inject({ url: '/assets/board-zone.js' })).statusCode).toBe(401);
    const script = await view('/assets/board-zone.js');
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.body).toBe(BOARD_ZONE_SCRIPT);
  });
});
