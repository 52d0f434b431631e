import { closeRedis, createRedis } from '@dbre/queue';
import { createHttpApp, createLifecycle, guards, type HttpApp } from '@dbre/service-kit';
import { captureLogger, testServices, uniqueName, waitFor } from '@dbre/testing';
import type { Redis } from 'ioredis';
// Tests compose the stand-in (a tools/ project) by path; it has no @dbre alias of its own.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { interaction, signBody, slashCommand } from '../../../tools/slack-stand-in/src';
import { computeSlackSignature, createRedisReplayCache, rawBodyOf, registerSlackInbound, verifySlackSignature } from '../src';

const SECRET = 'test-signing-secret-0123456789';

describe('verifySlackSignature', () => {
  const body = 'token=x&team_id=T1&text=hello+world';
  const now = 1_700_000_000;

  it('accepts a signature computed as Slack computes it', () => {
    const signed = signBody(SECRET, body, now);
    expect(() => verifySlackSignature({ signingSecret: SECRET, rawBody: body, timestamp: signed.headers['x-slack-request-timestamp'], signature: signed.headers['x-slack-signature'], nowSeconds: now })).not.toThrow();
    expect(computeSlackSignature(SECRET, now, body)).toBe(signed.headers['x-slack-signature']);
  });

  it.each([
    ['a wrong secret', () => signBody('another-secret-0123456789', body, now), body, now, 'SLACK_SIGNATURE_INVALID'],
    ['a body changed after signing', () => signBody(SECRET, body, now), `${body}&x=1`, now, 'SLACK_SIGNATURE_INVALID'],
    ['a timestamp 6 minutes old', () => signBody(SECRET, body, now - 360), body, now, 'SLACK_TIMESTAMP_STALE'],
    ['a timestamp 6 minutes ahead', () => signBody(SECRET, body, now + 360), body, now, 'SLACK_TIMESTAMP_STALE'],
  ])('refuses %s', (_name, sign, sentBody, at, code) => {
    const signed = sign();
    expect(() =>
      verifySlackSignature({ signingSecret: SECRET, rawBody: sentBody, timestamp: signed.headers['x-slack-request-timestamp'], signature: signed.headers['x-slack-signature'], nowSeconds: at }),
    ).toThrow(expect.objectContaining({ code, kind: 'unauthorized' }));
  });

  it('refuses missing headers and a truncated signature', () => {
    expect(() => verifySlackSignature({ signingSecret: SECRET, rawBody: body, timestamp: undefined, signature: undefined })).toThrow(expect.objectContaining({ code: 'SLACK_SIGNATURE_MISSING' }));
    expect(() => verifySlackSignature({ signingSecret: SECRET, rawBody: body, timestamp: String(now), signature: 'v0=abc', nowSeconds: now })).toThrow(expect.objectContaining({ code: 'SLACK_SIGNATURE_INVALID' }));
  });
});

describe('registerSlackInbound', () => {
  let app: HttpApp;
  let redis: Redis;
  const handled: Array<{ path: string; body: unknown; raw: string | undefined }> = [];

  beforeAll(async () => {
    redis = createRedis(testServices.redisUrl, 'producer');
    await waitFor(() => redis.status === 'ready', { what: 'redis' });
    app = await createHttpApp({ name: 'test', logger: captureLogger().logger, lifecycle: createLifecycle() });
    await registerSlackInbound(app, { signingSecret: SECRET, replayCache: createRedisReplayCache(redis, { prefix: uniqueName('replay'), service: 'test' }), bodyLimit: 4096 }, (scope) => {
      scope.post('/commands', async (request) => {
        handled.push({ path: 'commands', body: request.body, raw: rawBodyOf(request) });
        return { response_type: 'ephemeral', text: 'ok' };
      });
      scope.post('/interactions', async (request) => {
        handled.push({ path: 'interactions', body: request.body, raw: rawBodyOf(request) });
        return '';
      });
    });
    app.post('/v1/echo', { config: { guard: guards.public } }, async (request) => request.body);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await closeRedis(redis);
  });
  beforeEach(() => (handled.length = 0));

  const send = (url: string, signed: { headers: Record<string, string>; body: string }) => app.inject({ method: 'POST', url, headers: signed.headers, payload: signed.body });

  it('hands a signed slash command to the route with the raw body kept', async () => {
    const signed = slashCommand(SECRET, { user_id: 'U0ALICE', text: 'help me' });
    const res = await send('/slack/commands', signed);
    expect(res.statusCode).toBe(200);
    expect(handled).toHaveLength(1);
    expect(handled[0]?.raw).toBe(signed.body);
    expect(handled[0]?.body).toMatchObject({ user_id: 'U0ALICE', text: 'help me', command: '/db-access' });
  });

  it('refuses a bad signature, a stale timestamp and a replay with 401, before any handler runs', async () => {
    const forged = slashCommand('not-the-secret-0123456789', { user_id: 'U0MALLORY' });
    const stale = interaction(SECRET, { type: 'view_closed' }, Math.floor(Date.now() / 1000) - 301);
    const good = interaction(SECRET, { type: 'view_closed', n: 1 });
    const tampered = { ...good, body: good.body.replace('view_closed', 'view_opened') };

    const results = [await send('/slack/commands', forged), await send('/slack/interactions', stale), await send('/slack/interactions', tampered)];
    expect(results.map((r) => r.statusCode)).toEqual([401, 401, 401]);
    expect(results.map((r) => r.json().code)).toEqual(['SLACK_SIGNATURE_INVALID', 'SLACK_TIMESTAMP_STALE', 'SLACK_SIGNATURE_INVALID']);
    expect(results[0]?.json().detail).toMatch(/signature does not match/);

    expect((await send('/slack/interactions', good)).statusCode).toBe(200);
    const replay = await send('/slack/interactions', good);
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toMatchObject({ code: 'SLACK_REPLAYED' });
    expect(handled).toHaveLength(1);
  });

  it('refuses an unsigned request and an oversized body', async () => {
    const unsigned = await app.inject({ method: 'POST', url: '/slack/commands', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'user_id=U1' });
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json().code).toBe('SLACK_SIGNATURE_MISSING');
    const big = slashCommand(SECRET, { user_id: 'U0ALICE', text: 'x'.repeat(5000) });
    const tooLarge = await send('/slack/commands', big);
    expect(tooLarge.statusCode).toBe(413);
    // Finding 13.4: the message states the Slack routes' own limit, not the service-wide one.
    expect(tooLarge.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', detail: expect.stringContaining('4096 bytes') });
    expect(handled).toHaveLength(0);
  });

  it('leaves the rest of the app with its ordinary JSON parser', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/echo', payload: { a: 1 } });
    expect(res.json()).toEqual({ a: 1 });
  });

  // Finding 13.4: replay caches were per service, and Slack's signature does not cover the URL.
  it('refuses a request accepted by one service when it is replayed to another, but takes a forward handed off to it', async () => {
    const prefix = uniqueName('replay-shared');
    const requestApi = createRedisReplayCache(redis, { prefix, service: 'request-api' });
    const approvalApi = createRedisReplayCache(redis, { prefix, service: 'approval-api' });
    const schemaReview = createRedisReplayCache(redis, { prefix, service: 'schema-review' });
    expect(await requestApi.claim('v0=aaa')).toBe(true);
    expect(await approvalApi.claim('v0=aaa')).toBe(false);
    expect(await schemaReview.claim('v0=aaa')).toBe(false);

    expect(await requestApi.claim('v0=bbb')).toBe(true);
    await requestApi.handOff('v0=bbb', 'approval-api');
    expect(await schemaReview.claim('v0=bbb')).toBe(false);
    expect(await approvalApi.claim('v0=bbb')).toBe(true);
    expect(await approvalApi.claim('v0=bbb')).toBe(false);
    // A hand-off never creates a claim: an unseen signature stays unseen.
    await requestApi.handOff('v0=ccc', 'approval-api');
    expect(await redis.exists(`${prefix}:slack:seen:v0=ccc`)).toBe(0);
  });
});
