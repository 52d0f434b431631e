import { checkChainCompleteness, GENESIS_HASH, hashAuditEvent, verifyRequestChain, type AuditEvent, type AuditKind } from '../src';

/** A hash-linked chain of the given kinds (keys = kinds), as the store writes it. */
function chain(kinds: Array<AuditKind | [AuditKind, Record<string, unknown>]>): AuditEvent[] {
  const out: AuditEvent[] = [];
  kinds.forEach((k, i) => {
    const [kind, data] = Array.isArray(k) ? k : [k, {}];
    const body = { requestId: 'R1', seq: i + 1, key: `${kind}:${i}`, kind, at: `2026-12-02T05:00:${String(i).padStart(2, '0')}.000Z`, data, prevHash: out[i - 1]?.hash ?? GENESIS_HASH };
    out.push({ ...body, hash: hashAuditEvent(body) });
  });
  return out;
}

const revokedPath: AuditKind[] = ['requested', 'approved', 'provisioning_started', 'bastion_created', 'secret_stored', 'user_created', 'credentials_delivered', 'activated', 'warned', 'revoke_started', 'sessions_killed', 'user_dropped', 'bastion_removed', 'secret_deleted', 'revoked'];

describe('chain completeness', () => {
  it('accepts each complete path', () => {
    expect(checkChainCompleteness(chain(revokedPath), { state: 'revoked' })).toEqual({ complete: true });
    expect(checkChainCompleteness(chain(['requested', 'denied']), { state: 'denied' })).toEqual({ complete: true });
    expect(checkChainCompleteness(chain(['requested', 'expired']), { state: 'expired' })).toEqual({ complete: true });
    expect(checkChainCompleteness(chain(['requested', 'approved', 'cancelled']), { state: 'cancelled' })).toEqual({ complete: true });
    expect(checkChainCompleteness(chain(['requested', 'approved', 'provisioning_started', 'compensated', 'failed']), { state: 'failed' })).toEqual({ complete: true });
    expect(checkChainCompleteness(chain(['requested']), { state: 'requested' })).toEqual({ complete: true });
    // A user MySQL refused to drop is locked instead: that closes the path too.
    const locked = revokedPath.map((k) => (k === 'user_dropped' ? 'user_locked' : k));
    expect(checkChainCompleteness(chain(locked), { state: 'revoked' })).toEqual({ complete: true });
  });

  it("does not take an extension's approval for the request's own", () => {
    const extensionOnly = revokedPath.map((k): AuditKind | [AuditKind, Record<string, unknown>] => (k === 'approved' ? ['approved', { extension: true }] : k));
    expect(checkChainCompleteness(chain(extensionOnly), { state: 'revoked' })).toMatchObject({ complete: false, missing: ['approved'] });
    expect(checkChainCompleteness(chain(extensionOnly), { state: 'revoked', approvalsRequired: 1 })).toMatchObject({ complete: false, missing: ['approved'] });
    expect(checkChainCompleteness(chain([...revokedPath.slice(0, 8), ['approved', { extension: true }], ...revokedPath.slice(8)]), { state: 'revoked' })).toEqual({ complete: true });
  });

  it('reports a chain holding only expired as incomplete', () => {
    expect(checkChainCompleteness(chain(['expired']))).toEqual({
      complete: false,
      missing: ['requested'],
      problem: "the chain starts with expired instead of requested; the chain of an expired request lacks requested",
    });
  });

  it('names every step a revoked chain lacks', () => {
    const gutted: AuditKind[] = ['requested', 'approved', 'revoked'];
    expect(checkChainCompleteness(chain(gutted), { state: 'revoked' })).toEqual({
      complete: false,
      missing: ['provisioning_started', 'user_created', 'activated', 'revoke_started', 'user_dropped or user_locked'],
      problem: "the chain of a revoked request lacks provisioning_started, user_created, activated, revoke_started, user_dropped or user_locked",
    });
  });

  it('reports a chain whose first event is not requested even when requested follows', () => {
    expect(checkChainCompleteness(chain(['note', 'requested', 'denied']), { state: 'denied' })).toEqual({
      complete: false,
      missing: [],
      problem: 'the chain starts with note instead of requested',
    });
  });

  it('uses the stored state over what the events say', () => {
    // The request says revoked but the chain stops at activated: the revoke was never recorded.
    const stopped: AuditKind[] = ['requested', 'approved', 'provisioning_started', 'user_created', 'activated'];
    expect(checkChainCompleteness(chain(stopped))).toEqual({ complete: true });
    expect(checkChainCompleteness(chain(stopped), { state: 'revoked' })).toMatchObject({ complete: false, missing: ['revoke_started', 'user_dropped or user_locked', 'revoked'] });
  });

  it('counts the approvals a two-person request needed, not extension approvals', () => {
    const oneApproval = chain(['requested', 'approved', ['approved', { extension: true }], 'provisioning_started', 'user_created', 'activated']);
    expect(checkChainCompleteness(oneApproval, { state: 'active', approvalsRequired: 2 })).toMatchObject({ complete: false, missing: ['approved (1 of 2)'] });
    const two = chain(['requested', 'approved', 'approved', 'provisioning_started', 'user_created', 'activated']);
    expect(checkChainCompleteness(two, { state: 'active', approvalsRequired: 2 })).toEqual({ complete: true });
  });

  it('reports an empty chain as incomplete', () => {
    expect(checkChainCompleteness([], { state: 'requested' })).toEqual({ complete: false, missing: ['requested'], problem: 'the chain is empty: it must start with requested' });
  });
});

describe('request chain verification', () => {
  it('verifies an intact, complete chain', () => {
    const events = chain(['requested', 'denied']);
    expect(verifyRequestChain(events, { state: 'denied' })).toEqual({ ok: true, count: 2, headHash: events[1]!.hash });
  });

  it('no longer verifies a chain holding only expired', () => {
    const events = chain(['expired']);
    expect(verifyRequestChain(events)).toEqual({
      ok: false,
      count: 1,
      headHash: events[0]!.hash,
      incomplete: { missing: ['requested'] },
      problem: "incomplete chain: the chain starts with expired instead of requested; the chain of an expired request lacks requested",
    });
  });

  it('reports a broken link before completeness', () => {
    const events = chain(['requested', 'approved', 'denied']);
    (events[1]!.data as Record<string, unknown>)['by'] = 'mallory';
    expect(verifyRequestChain(events, { state: 'denied' })).toMatchObject({ ok: false, brokenAt: { seq: 2 }, problem: expect.stringContaining('altered') });
  });
});
