import net from 'node:net';
import mysql from 'mysql2/promise';
import { AUDIT_KINDS } from '@dbre/domain';
import { waitFor } from '@dbre/testing';
import { ALICE, BOB, parseCredentials, startAccessStack, type AccessStack } from './access-stack';

async function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('error', () => resolve(true));
    s.once('close', () => resolve(true));
    s.once('data', () => {
      s.destroy();
      resolve(false);
    });
  });
}

describe('just-in-time access, end to end', () => {
  let stack: AccessStack;
  beforeAll(async () => {
    stack = await startAccessStack({ minuteMs: 2000, warnBeforeMinutes: 1 });
  });
  afterAll(() => stack.close());

  it('grants through the forwarder with the delivered password, then takes everything away at the end', async () => {
    const created = await stack.ask(ALICE, { durationMinutes: 2 }); // 4 s, warned 2 s before the end
    expect(created.state).toBe('requested');
    const approved = await stack.approve(created.id, BOB);
    expect(approved.status).toBe(200);
    const active = await stack.waitState(created.id, 'active');
    expect(active.resources).toMatchObject({ dbUser: expect.stringMatching(new RegExp(`^${stack.userPrefix}alice_`)), bastionId: `fwd-${created.id}` });

    // The credentials: listed without the password, opened once by the requester only.
    const inbox = await stack.call(stack.requestApi, 'GET', '/v1/outbox', ALICE);
    const creds = (inbox.body['items'] as Array<{ id: string; kind: string; text: string }>).find((m) => m.kind === 'credentials')!;
    expect(creds.text).not.toMatch(/Password: \S/);
    expect((await stack.call(stack.requestApi, 'POST', `/v1/outbox/${creds.id}/open`, BOB)).status).toBe(403);
    const opened = await stack.call(stack.requestApi, 'POST', `/v1/outbox/${creds.id}/open`, ALICE);
    expect(opened.status).toBe(200);
    const { host, port, user, password } = parseCredentials(String(opened.body['text']));
    // Locally there is no tunnel: the one renderer's text is the mysql line, then the password.
    expect(String(opened.body['text'])).toBe(
      [`Access to devdb/${stack.databases.granted} is ready for 2 min.`, '', '1. Connect (the client asks for the password):', `mysql -h 127.0.0.1 -P ${port} -u ${user} -p ${stack.databases.granted}`, '', `Password: ${password}`].join('\n'),
    );
    expect(port).toBe(active.resources.connect?.port);
    expect(port).not.toBe(stack.endpoint.port);
    expect((await stack.call(stack.requestApi, 'POST', `/v1/outbox/${creds.id}/open`, ALICE)).status).toBe(409);
    expect(stack.logText()).not.toContain(password);

    // Through the forwarder: the granted database reads, another is refused.
    const conn = await mysql.createConnection({ host, port, user, password, database: stack.databases.granted });
    conn.on('error', () => undefined);
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT v FROM t WHERE id = 1');
    expect(rows[0]?.['v']).toBe('one');
    await expect(conn.query(`SELECT v FROM \`${stack.databases.other}\`.t`)).rejects.toMatchObject({ code: expect.stringMatching(/ACCESS_DENIED/) });

    // At the end: the open session is cut, the user, the forwarder and the secret are gone.
    const revoked = await stack.waitState(created.id, 'revoked', 15_000);
    await expect(conn.query('SELECT 1')).rejects.toThrow();
    conn.destroy();
    expect(await stack.platformUsers()).toEqual([]);
    expect(await refused(port)).toBe(true);
    await expect(mysql.createConnection({ host: stack.endpoint.host, port: stack.endpoint.port, user, password })).rejects.toMatchObject({ code: expect.stringMatching(/ACCESS_DENIED/) });
    expect(await stack.secrets.get(active.resources.secretId!)).toBeUndefined();
    expect(revoked.revokeReason).toBe('expired');

    // The audit chain verifies and holds every step, once.
    const detail = await stack.call(stack.requestApi, 'GET', `/v1/access-requests/${created.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body['chain']).toMatchObject({ ok: true });
    const kinds = (detail.body['timeline'] as Array<{ kind: string }>).map((e) => e.kind);
    expect(kinds).toEqual([
      'requested',
      'approved',
      'provisioning_started',
      'bastion_created',
      'secret_stored',
      'user_created',
      'credentials_delivered',
      'activated',
      'warned',
      'revoke_started',
      'sessions_killed',
      'user_dropped',
      'bastion_removed',
      'secret_deleted',
      'revoked',
    ]);
    expect(kinds.every((k) => (AUDIT_KINDS as readonly string[]).includes(k))).toBe(true);
    expect(JSON.stringify(detail.body['timeline'])).not.toContain(password);
    const outboxKinds = (await stack.outbox.list(ALICE)).map((m) => m.kind);
    expect(outboxKinds).toEqual(expect.arrayContaining(['approved', 'credentials', 'warning', 'revoked']));
  });

  it('ends a grant early on the requester\'s word and extends another after a new approval', async () => {
    const first = await stack.ask(ALICE, { durationMinutes: 5 });
    await stack.approve(first.id, BOB);
    await stack.waitState(first.id, 'active');
    expect((await stack.call(stack.requestApi, 'POST', `/v1/access-requests/${first.id}/end`, BOB)).status).toBe(202); // an approver may end it too
    const ended = await stack.waitState(first.id, 'revoked');
    expect(ended.revokeReason).toBe('ended_by_approver');

    const second = await stack.ask(ALICE, { durationMinutes: 1 });
    await stack.approve(second.id, BOB);
    const active = await stack.waitState(second.id, 'active');
    const ask = await stack.call(stack.requestApi, 'POST', `/v1/access-requests/${second.id}/extend`, ALICE, { minutes: 1, reason: 'need a bit more' });
    expect(ask.status).toBe(202);
    const ok = await stack.approve(second.id, BOB);
    expect(ok.status).toBe(200);
    expect(Date.parse(String(ok.body['endsAt']))).toBe(Date.parse(active.endsAt!) + stack.minuteMs);
    const revoked = await stack.waitState(second.id, 'revoked');
    expect(Date.parse(revoked.revokedAt!)).toBeGreaterThanOrEqual(Date.parse(active.endsAt!) + stack.minuteMs);
    // The bastion's own deadline followed the grant (AWS: the dbre:ends-at tag its failsafe re-reads).
    expect(stack.bastionExtensions.filter((e) => e.bastionId === active.resources.bastionId)).toEqual([{ bastionId: `fwd-${second.id}`, endsAt: String(ok.body['endsAt']) }]);
    const timeline = await stack.audit.list(second.id);
    expect(timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(['extension_requested', 'extended', 'revoked']));
    await waitFor(async () => (await stack.platformUsers()).length === 0, { what: 'no platform user left' });
  });
});
