import { assertNoSecrets, canonicalJson, GENESIS_HASH, hashAuditEvent, verifyAuditEvents, type AuditEvent } from '../src';

function chain(n: number): AuditEvent[] {
  const out: AuditEvent[] = [];
  for (let i = 1; i <= n; i++) {
    const body = { requestId: 'R1', seq: i, key: `step-${i}`, kind: 'note' as const, at: `2026-11-25T10:0${i}:00.000Z`, data: { i, nested: { b: 1, a: [1, { z: 1, y: 2 }] } }, prevHash: out[i - 2]?.hash ?? GENESIS_HASH };
    out.push({ ...body, hash: hashAuditEvent(body) });
  }
  return out;
}

describe('audit hashing', () => {
  it('canonical JSON sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { y: 1, x: undefined, w: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"w":2,"y":1}]},"b":1}');
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('hashes ignore key order and the hash field itself', () => {
    const [e] = chain(1);
    const reordered = Object.fromEntries(Object.entries(e!).reverse()) as unknown as AuditEvent;
    expect(hashAuditEvent(reordered)).toBe(e!.hash);
    expect(e!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('an intact chain verifies', () => {
    const events = chain(5);
    expect(verifyAuditEvents(events)).toEqual({ ok: true, count: 5, headHash: events[4]!.hash });
    expect(verifyAuditEvents([])).toEqual({ ok: true, count: 0, headHash: GENESIS_HASH });
  });

  it('names an altered event', () => {
    const events = chain(5);
    (events[2]!.data as { i: number }).i = 99;
    expect(verifyAuditEvents(events)).toMatchObject({ ok: false, brokenAt: { seq: 3, key: 'step-3' }, problem: expect.stringContaining('was altered') });
  });

  it('names the link after an altered-and-rehashed event', () => {
    const events = chain(5);
    events[1] = { ...events[1]!, actor: 'mallory' };
    events[1].hash = hashAuditEvent(events[1]);
    expect(verifyAuditEvents(events)).toMatchObject({ ok: false, brokenAt: { seq: 3 }, problem: expect.stringContaining('prevHash') });
  });

  it('names a gap left by a removed event', () => {
    const events = chain(5);
    events.splice(1, 1);
    expect(verifyAuditEvents(events)).toMatchObject({ ok: false, brokenAt: { seq: 3 }, problem: expect.stringContaining('expected seq 2') });
  });
});

describe('no secret in an audit event', () => {
  it('refuses secret-looking keys at any depth', () => {
    for (const data of [{ password: 'x' }, { db: { Passwd: 'x' } }, { list: [{ secretValue: 'x' }] }, { token: 'x' }, { slackBotToken: 'x' }, { credentials: {} }, { apiKey: 'k' }, { private_key: 'k' }, { secret: 'x' }, { pwd: 'x' }]) {
      expect(() => assertNoSecrets(data)).toThrow(expect.objectContaining({ code: 'AUDIT_SECRET_FIELD' }));
    }
  });

  it('allows identifiers of secrets and ordinary facts', () => {
    expect(() => assertNoSecrets({ secretId: 'dbre/jit/R1', secretArn: 'arn:aws:secretsmanager:x', dbUser: 'jit_dave_x', bastionId: 'i-1', reason: 'rotate password policy' })).not.toThrow();
  });
});
