import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AccessRequest, AuditKind } from '@dbre/domain';
import { createFolderEvidenceStore, type AuditRecord, type AuditSource, type FolderEvidenceStore } from '@dbre/drivers';
import { collectEvidence, evidenceSealedEvent, writeAnchor } from '@dbre/evidence';
import { ADMIN, VIEWER, aRequest, basic, csrfFrom, startHarness, type Harness } from './helpers';

const REVOKED_PATH: AuditKind[] = ['requested', 'approved', 'provisioning_started', 'user_created', 'activated', 'revoke_started', 'user_dropped', 'revoked'];
const HOSTILE_SCRIPT = `SELECT '<script>alert("pwned")</script>' FROM orders`;
const HOSTILE_BIDI = 'SELECT id FROM orders /* \u202Etxt.exe\u202C \u2066x\u2069 */';

/** What the grant's user did, hand-written: a connect, 120 statements (two hostile), a disconnect. */
function recordsOf(user: string, at: Date): AuditRecord[] {
  const base = { server: 'db-1', user, host: '127.0.0.1', connectionId: 41, database: 'orders' };
  const t = (s: number) => new Date(at.getTime() + s * 1000).toISOString();
  const records: AuditRecord[] = [{ ...base, at: t(0), queryId: 0, kind: 'connect', operation: 'CONNECT', resultCode: 0 }];
  for (let i = 1; i <= 120; i++) {
    const statement = i === 1 ? HOSTILE_SCRIPT : i === 2 ? HOSTILE_BIDI : `SELECT * FROM orders WHERE id = ${i}`;
    records.push({ ...base, at: t(i), queryId: i, kind: 'query', operation: 'QUERY', statement, resultCode: i === 3 ? 1146 : 0 });
  }
  records.push({ ...base, at: t(121), queryId: 0, kind: 'disconnect', operation: 'DISCONNECT', resultCode: 0 });
  return records;
}

describe('ops-dashboard: the evidence of a grant', () => {
  let h: Harness;
  let dir: string;
  let store: FolderEvidenceStore;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ops-evidence-'));
    store = createFolderEvidenceStore({ root: dir });
    h = await startHarness({ evidenceStore: store });
  });
  afterAll(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (url: string, who = VIEWER) => h.app.inject({ method: 'GET', url, headers: { authorization: basic(who) } });
  const download = (id: string, label: string, who: typeof ADMIN, csrf: string) =>
    h.app.inject({
      method: 'POST',
      url: `/requests/${id}/evidence/${label}/download`,
      headers: { authorization: basic(who), 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:80' },
      payload: `csrf=${encodeURIComponent(csrf)}`,
    });

  /** A revoked grant with its full chain, its revoke bundle collected by libs/evidence and sealed in the chain. */
  async function sealedGrant(options: { auditOff?: boolean; warnings?: string[] } = {}): Promise<{ request: AccessRequest; sha256: string; key: string }> {
    const decided = new Date(Date.now() - 3600_000);
    const request = await h.requests.create(
      aRequest({
        state: 'revoked',
        decidedAt: decided.toISOString(),
        activeAt: decided.toISOString(),
        revokedAt: new Date(decided.getTime() + 1800_000).toISOString(),
        revokeReason: 'expired',
        resources: { dbUser: `jit_ev_${Math.random().toString(36).slice(2, 8)}` },
      }),
    );
    for (const kind of REVOKED_PATH) await h.audit.append(request.id, { key: kind, kind, data: {} });
    const user = request.resources.dbUser ?? '';
    const auditSource: AuditSource = {
      records: async (q) => ({ records: q.user === user ? recordsOf(user, new Date(decided.getTime() + 60_000)) : [], source: 'mariadb-server-audit:/var/lib/mysql/server_audit.log', warnings: options.warnings ?? [] }),
    };
    const collected = await collectEvidence({
      request,
      events: await h.audit.list(request.id),
      auditSource,
      evidenceStore: store,
      ...(options.auditOff ? { clusterAuditLogging: { enabled: false, detail: 'server_audit_logging=OFF' } } : {}),
    });
    await h.audit.append(request.id, evidenceSealedEvent(collected));
    return { request, sha256: collected.sha256, key: collected.key };
  }

  it('shows each sealed bundle verified, with its hash, counts, source and the complete chain', async () => {
    const { request, sha256 } = await sealedGrant();
    const page = await get(`/requests/${request.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-chain-complete="complete"');
    expect(page.body).toMatch(/data-bundle="revoke" data-status="verified"/);
    expect(page.body).toContain(`<dd class="mono wrap" data-sha256>${sha256}</dd>`);
    expect(page.body).toContain('120 statements (1 failed), 1 connects, 1 disconnects, 0 refused logins');
    expect(page.body).toContain('mariadb-server-audit:/var/lib/mysql/server_audit.log');
    expect(page.body).toContain('data-anchor="none"');
    // Viewers read the evidence; only admins get the download form.
    expect(page.body).not.toContain('data-action="download-evidence"');
    expect((await get(`/requests/${request.id}`, ADMIN)).body).toContain(`action="/requests/${request.id}/evidence/revoke/download"`);
  });

  it('lists the records 50 a page, in order, with hostile statement text inert', async () => {
    const { request } = await sealedGrant();
    const first = await get(`/requests/${request.id}`);
    expect(first.body).toContain('data-records="122" data-page="1"');
    expect(first.body).toContain('records 1–50 of 122');
    expect(first.body.match(/<tr data-kind=/g)).toHaveLength(50);
    expect(first.body).toContain('Page 1 of 3');
    expect(first.body).toContain(`href="/requests/${request.id}?bundle=revoke&amp;page=2#evidence-records"`);
    // The script is text, never markup; the bidi override is shown as its code point, not applied.
    expect(first.body).toContain('SELECT &#39;&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;&#39; FROM orders');
    expect(first.body).not.toContain('<script>alert');
    const ctl = (code: string) => `<span class="ctl" title="invisible character ${code}">⟨${code}⟩</span>`;
    expect(first.body).toContain(`SELECT id FROM orders /* ${ctl('U+202E')}txt.exe${ctl('U+202C')} ${ctl('U+2066')}x${ctl('U+2069')} */`);
    expect(first.body).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    expect(first.body).toContain('error 1146');

    const last = await get(`/requests/${request.id}?bundle=revoke&page=3`);
    expect(last.body).toContain('records 101–122 of 122');
    expect(last.body.match(/<tr data-kind=/g)).toHaveLength(22);
    expect(last.body).toContain('SELECT * FROM orders WHERE id = 120');
    expect(last.body).toContain('<tr data-kind="disconnect">');
    // A page past the end shows the last one; nonsense is refused with a clear message.
    expect((await get(`/requests/${request.id}?page=99`)).body).toContain('records 101–122 of 122');
    const bad = await get(`/requests/${request.id}?page=-1`);
    expect(bad.statusCode).toBe(400);
    expect((await get(`/requests/${request.id}?bundle=../../etc/passwd`)).statusCode).toBe(400);
  });

  it('says so when audit logging was off or the source warned', async () => {
    const { request } = await sealedGrant({ auditOff: true, warnings: ['server_audit_logging is OFF: nothing was logged'] });
    const page = await get(`/requests/${request.id}`);
    expect(page.body).toContain('audit logging was off on the cluster when the docs were last crawled (server_audit_logging=OFF)');
    expect(page.body).toContain('server_audit_logging is OFF: nothing was logged');
  });

  it('downloads the exact stored bytes as an attachment, audited on the request’s chain', async () => {
    const { request, sha256, key } = await sealedGrant();
    const token = csrfFrom((await get(`/requests/${request.id}`, ADMIN)).body);
    const res = await download(request.id, 'revoke', ADMIN, token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="evidence-${request.id}-revoke.json"`);
    expect(res.headers['x-evidence-status']).toBe('verified');
    expect(res.headers['x-evidence-sealed-sha256']).toBe(sha256);
    expect(res.rawPayload.equals(await readFile(path.join(dir, key)))).toBe(true);
    expect(createHash('sha256').update(res.rawPayload).digest('hex')).toBe(sha256);
    const events = await h.audit.list(request.id);
    const note = events.at(-1);
    expect(note).toMatchObject({ kind: 'note', actor: ADMIN.user, data: { via: 'ops-dashboard', action: 'evidence-download', label: 'revoke', objectKey: key, sha256, status: 'verified' } });
    // The chain stays complete and the bundle still verifies after the note.
    expect((await get(`/requests/${request.id}`)).body).toMatch(/data-chain-complete="complete"[\s\S]*data-status="verified"/);
  });

  it('refuses the download to a viewer, without a form token, from another site, or for a bundle never sealed', async () => {
    const { request } = await sealedGrant();
    const token = csrfFrom((await get(`/requests/${request.id}`, ADMIN)).body);
    const viewer = await download(request.id, 'revoke', VIEWER, token);
    expect(viewer.statusCode).toBe(403);
    expect(viewer.json()).toMatchObject({ code: 'ADMIN_ONLY' });
    expect(viewer.body).not.toContain('"format"');
    expect((await download(request.id, 'revoke', ADMIN, 'forged')).json()).toMatchObject({ code: 'CSRF_TOKEN_INVALID' });
    const crossSite = await h.app.inject({
      method: 'POST',
      url: `/requests/${request.id}/evidence/revoke/download`,
      headers: { authorization: basic(ADMIN), 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      payload: `csrf=${encodeURIComponent(token)}`,
    });
    expect(crossSite.statusCode).toBe(403);
    const final = await download(request.id, 'final', ADMIN, token);
    expect(final.statusCode).toBe(404);
    expect(final.json()).toMatchObject({ code: 'EVIDENCE_NOT_SEALED' });
    expect((await download(request.id, 'secrets', ADMIN, token)).statusCode).toBe(400);
    const anonymous = await h.app.inject({ method: 'POST', url: `/requests/${request.id}/evidence/revoke/download`, payload: {} });
    expect(anonymous.statusCode).toBe(401);
    // The refused viewer is on the admin log; no download note was added to the request.
    expect((await h.audit.list(request.id)).filter((e) => e.data['action'] === 'evidence-download')).toHaveLength(0);
  });

  it('shows a bundle altered in the store as tampered, loudly, lists none of its records, and still downloads its bytes', async () => {
    const { request, key } = await sealedGrant();
    const file = path.join(dir, key);
    const altered = (await readFile(file, 'utf8')).replace('SELECT * FROM orders WHERE id = 7', 'SELECT * FROM orders WHERE id = 8');
    await chmod(file, 0o644);
    await writeFile(file, altered);
    const page = await get(`/requests/${request.id}`, ADMIN);
    expect(page.body).toContain('data-status="tampered"');
    expect(page.body).toContain('EVIDENCE TAMPERED');
    expect(page.body).toContain('role="alert" data-tampered');
    expect(page.body).not.toContain('data-records="122"');
    const res = await download(request.id, 'revoke', ADMIN, csrfFrom(page.body));
    expect(res.headers['x-evidence-status']).toBe('tampered');
    expect(res.body).toBe(altered);
  });

  it('shows a sealed bundle missing from the store, and trusts no seal that points elsewhere', async () => {
    const { request, key } = await sealedGrant();
    await rm(path.join(dir, key));
    const missing = await get(`/requests/${request.id}`);
    expect(missing.body).toContain('data-status="missing"');
    expect(missing.body).toContain('EVIDENCE MISSING');

    // A seal appended by someone who can write the chain, pointing at another request's bundle.
    const other = await sealedGrant();
    const forged = await h.requests.create(aRequest({ state: 'revoked', revokedAt: new Date().toISOString() }));
    for (const kind of REVOKED_PATH) await h.audit.append(forged.id, { key: kind, kind, data: {} });
    await h.audit.append(forged.id, { key: 'evidence_sealed:revoke', kind: 'evidence_sealed', data: { label: 'revoke', objectKey: other.key, sha256: other.sha256, records: 1, statements: 1 } });
    const page = await get(`/requests/${forged.id}`, ADMIN);
    expect(page.body).toContain('data-status="tampered"');
    expect(page.body).toContain(`the seal points at &quot;${other.key}&quot;, not evidence/${forged.id}/revoke.json`);
    const res = await download(forged.id, 'revoke', ADMIN, csrfFrom(page.body));
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'EVIDENCE_MISSING' });
  });

  it('reports an incomplete chain with what is missing', async () => {
    const request = await h.requests.create(aRequest({ state: 'expired', decidedAt: undefined, activeAt: undefined, resources: {} }));
    await h.audit.append(request.id, { key: 'expired', kind: 'expired', data: {} });
    const page = await get(`/requests/${request.id}`);
    expect(page.body).toContain('data-chain-complete="incomplete"');
    expect(page.body).toContain('CHAIN INCOMPLETE: missing requested');
    expect(page.body).toContain('No evidence bundle is sealed');
  });

  it('names the last anchor covering the request and flags a history that no longer matches it', async () => {
    const { request } = await sealedGrant();
    const events = await h.audit.list(request.id);
    const head = events.at(-1);
    if (!head) throw new Error('no chain');
    await writeAnchor(store, { [request.id]: { seq: head.seq, hash: head.hash } }, new Date());
    const page = await get(`/requests/${request.id}`);
    expect(page.body).toMatch(/data-anchor="ok">Last anchor: <span class="mono">anchors\/\d{12}\.json<\/span>/);
    expect(page.body).toContain(`holds head #${head.seq}`);
    expect(page.body).toContain('which the chain still has.');

    // An anchor that holds a different hash for an event of this chain: the history was rewritten.
    const forged = await sealedGrant();
    await writeAnchor(store, { [forged.request.id]: { seq: 2, hash: 'f'.repeat(64) } }, new Date(Date.now() + 1000));
    const rewritten = await get(`/requests/${forged.request.id}`);
    expect(rewritten.body).toContain('data-anchor="mismatch"');
    expect(rewritten.body).toContain('HISTORY REWRITTEN');
  });

  it('tells that a live grant’s evidence comes at revoke, and shows no section without an evidence store', async () => {
    const live = await h.requests.create(aRequest());
    for (const kind of ['requested', 'approved', 'provisioning_started', 'user_created', 'activated'] as const) await h.audit.append(live.id, { key: kind, kind, data: {} });
    expect((await get(`/requests/${live.id}`)).body).toContain('No evidence yet: the bundle is collected and sealed when the grant ends.');

    // Same user and form secret as the main harness: its token is valid on the bare one.
    const sealed = await sealedGrant();
    const token = csrfFrom((await get(`/requests/${sealed.request.id}`, ADMIN)).body);
    const bare = await startHarness();
    try {
      const request = await bare.requests.create(aRequest());
      const res = await bare.app.inject({ method: 'GET', url: `/requests/${request.id}`, headers: { authorization: basic(VIEWER) } });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain('id="evidence"');
      const dl = await bare.app.inject({
        method: 'POST',
        url: `/requests/${request.id}/evidence/revoke/download`,
        headers: { authorization: basic(ADMIN), 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:80' },
        payload: `csrf=${encodeURIComponent(token)}`,
      });
      expect(dl.json()).toMatchObject({ code: 'EVIDENCE_NOT_AVAILABLE' });
    } finally {
      await bare.close();
    }
  });
});
