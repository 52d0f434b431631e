import { chainState, checkChainCompleteness, type AuditKind } from '../src';

// What audit:verify reports for a chain read without its request (state inferred) and for requests
// that needed two approvals. Expectations written by hand from the state machine's paths.

const kinds = (...k: AuditKind[]) => k.map((kind) => ({ kind }));

describe('the state a chain reaches', () => {
  it('is the one of its latest state-changing event; notes and steps do not change it', () => {
    expect(chainState(kinds('requested', 'approved', 'note', 'warned'))).toBe('approved');
    expect(chainState(kinds('requested', 'approved', 'provisioning_started', 'user_created', 'activated', 'extended'))).toBe('active');
    expect(chainState(kinds('requested', 'approved', 'provisioning_started', 'compensated', 'failed'))).toBe('failed');
  });

  it('is none for a chain without a state-changing event', () => {
    expect(chainState([])).toBeUndefined();
    expect(chainState(kinds('note', 'warned'))).toBeUndefined();
  });
});

describe('completeness of a chain read on its own', () => {
  it('a chain of notes is a requested one that lacks requested', () => {
    expect(checkChainCompleteness(kinds('note'))).toEqual({
      complete: false,
      missing: ['requested'],
      problem: 'the chain starts with note instead of requested; the chain of a requested request lacks requested',
    });
  });

  it('an approved request that needed two approvals but has none lacks "approved", counted once', () => {
    expect(checkChainCompleteness(kinds('requested'), { state: 'approved', approvalsRequired: 2 })).toEqual({
      complete: false,
      missing: ['approved'],
      problem: 'the chain of an approved request lacks approved',
    });
  });

  it('a denied prod request with one of two approvals is complete: a denial needs no approval count', () => {
    expect(checkChainCompleteness(kinds('requested', 'approved', 'denied'), { state: 'denied', approvalsRequired: 2 })).toEqual({ complete: true });
  });

  it('one approval is enough when one was required', () => {
    expect(checkChainCompleteness(kinds('requested', 'approved'), { state: 'approved', approvalsRequired: 1 })).toEqual({ complete: true });
  });

  it('an approved request short of approvals says how many it has', () => {
    expect(checkChainCompleteness([{ kind: 'requested' }, { kind: 'approved', data: { by: 'alice@example.com' } }], { state: 'approved', approvalsRequired: 3 })).toEqual({
      complete: false,
      missing: ['approved (1 of 3)'],
      problem: 'the chain of an approved request lacks approved (1 of 3)',
    });
  });

  it('a policy rule id must be a string to stand for every approval', () => {
    expect(checkChainCompleteness([{ kind: 'requested' }, { kind: 'approved', data: { policyRule: true } }], { state: 'approved', approvalsRequired: 2 })).toMatchObject({
      complete: false,
      missing: ['approved (1 of 2)'],
    });
  });
});

describe('an approval by policy', () => {
  it('is an approved event naming the rule; another event naming a rule approves nothing', () => {
    const events = [{ kind: 'requested' as const }, { kind: 'note' as const, data: { policyRule: 'prod-read-oncall' } }, { kind: 'approved' as const, data: { by: 'alice@example.com' } }];
    expect(checkChainCompleteness(events, { state: 'approved', approvalsRequired: 2 })).toMatchObject({ complete: false, missing: ['approved (1 of 2)'] });
  });
});
