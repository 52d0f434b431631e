import { createHash } from 'node:crypto';
import { assertNoSecrets, canonicalJson, EMPTY_AUDIT_HEAD, extendAuditChain, GENESIS_HASH, hashAuditEvent, validateAuditInput, verifyAuditEvents, type AuditEvent } from '../src';
import { T0 } from './fixtures';

// What an auditor reading audit:verify relies on: the exact link named when a chain is broken, what
// an event stores, and that the hash covers what DynamoDB gives back. Expectations written by hand.

function chain(n: number): AuditEvent[] {
  return extendAuditChain(
    'R1',
    EMPTY_AUDIT_HEAD,
    Array.from({ length: n }, (_, i) => ({ key: `step-${i + 1}`, kind: 'note' as const, data: { i: i + 1 } })),
    T0,
  ).events;
}

describe('verifying a chain names the first broken link in words', () => {
  it('a missing event', () => {
    const events = chain(4);
    events.splice(1, 1);
    expect(verifyAuditEvents(events)).toEqual({ ok: false, count: 3, brokenAt: { seq: 3, key: 'step-3' }, problem: 'expected seq 2, found 3 (an event is missing or out of place)' });
  });

  it('an event rewritten with a fresh hash breaks the next link', () => {
    const events = chain(4);
    events[1] = { ...events[1]!, data: { i: 99 } };
    events[1].hash = hashAuditEvent(events[1]);
    expect(verifyAuditEvents(events)).toEqual({
      ok: false,
      count: 4,
      brokenAt: { seq: 3, key: 'step-3' },
      problem: 'prevHash does not match the hash of event 2 (the previous event was changed or removed)',
    });
  });

  it('a first event that does not start from the genesis hash', () => {
    const [first] = chain(1);
    const forged = { ...first!, prevHash: 'f'.repeat(64) };
    forged.hash = hashAuditEvent(forged);
    expect(verifyAuditEvents([forged])).toEqual({
      ok: false,
      count: 1,
      brokenAt: { seq: 1, key: 'step-1' },
      problem: 'prevHash does not match the hash of event 0 (the previous event was changed or removed)',
    });
  });

  it('an altered event', () => {
    const events = chain(3);
    events[2] = { ...events[2]!, actor: 'mallory' };
    expect(verifyAuditEvents(events)).toEqual({ ok: false, count: 3, brokenAt: { seq: 3, key: 'step-3' }, problem: 'content does not match its hash (event 3 "step-3" was altered)' });
  });
});

describe('canonical JSON', () => {
  it('writes a date as its ISO time, not as an empty object', () => {
    expect(canonicalJson({ at: new Date('2026-11-25T10:00:00.000Z'), b: [new Date(0)] })).toBe('{"at":"2026-11-25T10:00:00.000Z","b":["1970-01-01T00:00:00.000Z"]}');
  });

  it('keeps scalars and nulls as they are', () => {
    expect(canonicalJson('x')).toBe('"x"');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson([{ b: 2, a: 1 }, null, 3])).toBe('[{"a":1,"b":2},null,3]');
  });
});

describe('no secret in audit data, with the field named', () => {
  it('names the path of the refused field', () => {
    expect(() => assertNoSecrets({ db: { Passwd: 'x' } })).toThrow(
      expect.objectContaining({ code: 'AUDIT_SECRET_FIELD', kind: 'invalid', message: 'Audit events never carry secrets: field data.db.Passwd is refused.' }),
    );
    expect(() => assertNoSecrets({ list: [{ ok: 1 }, { secretValue: 'x' }] })).toThrow('Audit events never carry secrets: field data.list[1].secretValue is refused.');
    expect(() => assertNoSecrets([{ token: 'x' }], 'inputs')).toThrow('field inputs[0].token is refused');
  });

  it('looks into nested lists and objects but lets plain values through', () => {
    expect(() => assertNoSecrets({ a: [[{ b: { apiKey: 'k' } }]] })).toThrow('field data.a[0][0].b.apiKey is refused');
    expect(() => assertNoSecrets('password')).not.toThrow();
    expect(() => assertNoSecrets(null)).not.toThrow();
    expect(() => assertNoSecrets({ reason: 'password rotation', count: 3, list: ['token'] })).not.toThrow();
  });
});

describe('an audit input', () => {
  it('needs a key of 1-200 safe characters and a known kind', () => {
    expect(() => validateAuditInput({ key: '', kind: 'note' })).toThrow(new TypeError('audit key "" must be 1-200 of [A-Za-z0-9_.:@+=/-]'));
    expect(() => validateAuditInput({ key: 'approved alice', kind: 'note' })).toThrow(TypeError);
    expect(() => validateAuditInput({ key: 'x'.repeat(201), kind: 'note' })).toThrow(TypeError);
    expect(() => validateAuditInput({ key: 'warned:2026-11-25T10:00:00.000Z', kind: 'warned' })).not.toThrow();
    expect(() => validateAuditInput({ key: 'note', kind: 'nope' as 'note' })).toThrow(new TypeError('unknown audit kind "nope"'));
  });

  it('without data is checked as empty data', () => {
    expect(() => validateAuditInput({ key: 'approved:alice@example.com', kind: 'approved', actor: 'alice@example.com' })).not.toThrow();
  });
});

describe('extending a chain', () => {
  it('stores the given time and actor, and the data as DynamoDB gives it back', () => {
    const { events } = extendAuditChain(
      'R9',
      EMPTY_AUDIT_HEAD,
      [{ key: 'user_created', kind: 'user_created', actor: 'provisioner', at: '2026-11-25T09:00:00.000Z', data: { at: new Date('2026-11-25T10:00:00.000Z'), skip: undefined, n: 1 } }],
      T0,
    );
    const { hash, ...body } = events[0]!;
    expect(body).toEqual({
      requestId: 'R9',
      seq: 1,
      key: 'user_created',
      kind: 'user_created',
      at: '2026-11-25T09:00:00.000Z',
      actor: 'provisioner',
      data: { at: '2026-11-25T10:00:00.000Z', n: 1 },
      prevHash: GENESIS_HASH,
    });
    // SHA-256 of the body's JSON with keys sorted, written out by hand.
    const canonical =
      '{"actor":"provisioner","at":"2026-11-25T09:00:00.000Z","data":{"at":"2026-11-25T10:00:00.000Z","n":1},"key":"user_created","kind":"user_created",' +
      `"prevHash":"${'0'.repeat(64)}","requestId":"R9","seq":1}`;
    expect(hash).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('records no actor when none or an empty one is given', () => {
    const { events } = extendAuditChain('R9', EMPTY_AUDIT_HEAD, [{ key: 'a', kind: 'note' }, { key: 'b', kind: 'note', actor: '' }], T0);
    expect(events.map((e) => Object.keys(e).includes('actor'))).toEqual([false, false]);
  });

  it('continues from the head: next seq, its hash as prevHash, archived count kept', () => {
    const head = { seq: 7, hash: 'a'.repeat(64), keys: ['requested'], archived: 3 };
    const out = extendAuditChain('R9', head, [{ key: 'requested', kind: 'requested' }, { key: 'approved:bob', kind: 'approved' }, { key: 'provisioning_started', kind: 'provisioning_started' }], T0);
    expect(out.events.map((e) => [e.seq, e.key, e.prevHash === head.hash])).toEqual([
      [8, 'approved:bob', true],
      [9, 'provisioning_started', false],
    ]);
    expect(out.events[1]!.prevHash).toBe(out.events[0]!.hash);
    expect(out.head).toEqual({ seq: 9, hash: out.events[1]!.hash, keys: ['requested', 'approved:bob', 'provisioning_started'], archived: 3 });
  });

  it('with every key already there, adds nothing and leaves the head as it was', () => {
    const head = { seq: 2, hash: 'b'.repeat(64), keys: ['requested', 'approved:bob'], archived: 0 };
    expect(extendAuditChain('R9', head, [{ key: 'approved:bob', kind: 'approved' }], T0)).toEqual({ events: [], head });
  });

  it('refuses a secret even in an input whose key is already chained', () => {
    const head = { seq: 1, hash: 'b'.repeat(64), keys: ['user_created'], archived: 0 };
    expect(() => extendAuditChain('R9', head, [{ key: 'user_created', kind: 'user_created', data: { password: 'x' } }], T0)).toThrow(expect.objectContaining({ code: 'AUDIT_SECRET_FIELD' }));
  });
});
