import { createHash } from 'node:crypto';
import type { AuditRecord } from '@dbre/drivers';
import { buildEvidenceBundle, evidenceKey, verifyBundle } from '../src';
import { chainOf, REQUEST_ID, REVOKED_PATH, revokedRequest, rewriteConsistently } from './fixtures';

const decided = new Date('2026-12-02T05:00:00.000Z');
const revoked = new Date('2026-12-02T05:20:00.000Z');
const record = (at: string, kind: AuditRecord['kind'], statement?: string, resultCode = 0): AuditRecord => ({
  at,
  server: 'vm',
  user: 'jit_main_dave_x1',
  host: '127.0.0.1',
  connectionId: 42,
  queryId: statement ? 100 : 0,
  kind,
  operation: kind === 'query' ? 'QUERY' : kind.toUpperCase(),
  database: 'shop',
  ...(statement ? { statement } : {}),
  resultCode,
});
const records = [
  record('2026-12-02T05:01:00.000Z', 'connect'),
  record('2026-12-02T05:01:01.000Z', 'query', 'SELECT * FROM orders'),
  record('2026-12-02T05:01:02.000Z', 'query', 'UPDATE orders SET paid = 1', 1146),
  record('2026-12-02T05:01:03.000Z', 'disconnect'),
];

function input(events = chainOf(REQUEST_ID, [...REVOKED_PATH, 'evidence_sealed', 'note'])) {
  return {
    label: 'revoke' as const,
    request: revokedRequest('jit_main_dave_x1', decided, revoked),
    events,
    database: { clusterId: 'local', user: 'jit_main_dave_x1', from: '2026-12-02T04:59:00.000Z', to: '2026-12-02T05:21:00.000Z', source: 'mariadb-server-audit:server_audit.log', warnings: [], records },
  };
}

describe('evidence bundle', () => {
  it('is canonical JSON whose SHA-256 is the one returned, with the statements, counts and platform events up to the end', () => {
    const bundle = buildEvidenceBundle(input());
    expect(bundle.sha256).toBe(createHash('sha256').update(bundle.bytes).digest('hex'));
    const text = bundle.bytes.toString('utf8');
    // Keys sorted at every level: the document opens with "database", then "decisions", ...
    expect(text.startsWith('{"database":{"clusterId":"local","counts":{"connects":1,"disconnects":1,"failedConnects":0,"failedStatements":1,"other":0,"statements":2},"from":')).toBe(true);
    const doc = JSON.parse(text);
    expect(doc.format).toBe('dbre-evidence/1');
    expect(doc.requestId).toBe(REQUEST_ID);
    expect(doc.database.records.map((r: AuditRecord) => r.statement ?? r.kind)).toEqual(['connect', 'SELECT * FROM orders', 'UPDATE orders SET paid = 1', 'disconnect']);
    // Up to and including "revoked": the seal and later notes are not inside the bundle they seal.
    expect(doc.platform.events.map((e: { kind: string }) => e.kind)).toEqual(REVOKED_PATH);
    expect(doc.platform.head.seq).toBe(9);
    expect(doc.decisions.approvals).toEqual([{ by: { email: 'alice@example.com' }, at: '2026-12-02T05:00:00.000Z' }]);
    expect(doc.request.resources).toEqual({ dbUser: 'jit_main_dave_x1', dbHost: '127.0.0.1', bastionId: 'fwd-1', secretId: `dbre/access/${REQUEST_ID}` });
    expect(text).not.toContain('"version"');
  });

  it('gives the same bytes for the same facts whatever the key order or later chain events', () => {
    const a = buildEvidenceBundle(input());
    const shuffled = input(chainOf(REQUEST_ID, REVOKED_PATH));
    shuffled.request = Object.fromEntries(Object.entries(shuffled.request).reverse()) as typeof shuffled.request;
    shuffled.request.version = 12;
    const b = buildEvidenceBundle(shuffled);
    expect(b.bytes.equals(a.bytes)).toBe(true);
  });

  it('verifies against its sealed hash and detects a changed byte', () => {
    const bundle = buildEvidenceBundle(input());
    expect(verifyBundle(bundle.bytes, bundle.sha256)).toMatchObject({ ok: true });
    const tampered = Buffer.from(bundle.bytes.toString('utf8').replace('UPDATE orders SET paid = 1', 'SELECT 1 FROM orders LIMIT 1'));
    expect(verifyBundle(tampered, bundle.sha256)).toMatchObject({ ok: false, problem: expect.stringContaining('altered') });
  });

  it('detects a chain rewritten after sealing, even re-hashed consistently', () => {
    const events = chainOf(REQUEST_ID, REVOKED_PATH);
    const bundle = buildEvidenceBundle(input(events));
    expect(verifyBundle(bundle.bytes, bundle.sha256, { events })).toMatchObject({ ok: true });
    const rewritten = rewriteConsistently(events, 2, { step: 2, by: 'mallory@example.com' });
    expect(verifyBundle(bundle.bytes, bundle.sha256, { events: rewritten })).toEqual({ ok: false, seq: 2, problem: 'event 2 differs from the one sealed in the bundle: the chain was rewritten after sealing' });
    expect(verifyBundle(bundle.bytes, bundle.sha256, { events: events.slice(0, 5) })).toMatchObject({ ok: false, seq: 6, problem: expect.stringContaining('no longer in the chain') });
  });

  it('keys bundles by request and label only', () => {
    expect(evidenceKey(REQUEST_ID, 'revoke')).toBe(`evidence/${REQUEST_ID}/revoke.json`);
    expect(evidenceKey(REQUEST_ID, 'final')).toBe(`evidence/${REQUEST_ID}/final.json`);
    expect(() => evidenceKey('../x', 'revoke')).toThrow('not a request id');
  });
});
