import { transition } from '../src';
import { alice, dave, minutes, newRequest } from './fixtures';

// The rule id an auto-approval records stands for the approver in the audit and in Slack: only a
// policy rule id (lower-case, digits, -, starting with a letter, up to 40) may be recorded.

describe('an auto-approval names its rule', () => {
  it.each(['d', 'dev-read', 'r2-d2', 'a'.repeat(40)])('takes the rule id %j', (rule) => {
    expect(transition(newRequest('dev'), { type: 'auto_approve', rule }, minutes(1)).approvals).toEqual([{ by: { policyRule: rule, displayName: `policy:${rule}` }, at: minutes(1).toISOString() }]);
  });

  it.each(['', 'a'.repeat(41), 'Dev-read', '1dev', '-dev', 'dev read', 'dev_read', 'dev-read x', 'x dev-read', 'dev-read\n'])('refuses %j, quoting it', (rule) => {
    expect(() => transition(newRequest('dev'), { type: 'auto_approve', rule }, minutes(1))).toThrow(
      expect.objectContaining({ code: 'AUTO_APPROVE_RULE_INVALID', kind: 'invalid', message: `"${rule}" is not a policy rule id.` }),
    );
  });
});

describe('an approval after people approved', () => {
  it('a rule adds its approval to those already given', () => {
    const once = transition(newRequest('prod'), { type: 'approve', by: alice }, minutes(1));
    const r = transition(once, { type: 'auto_approve', rule: 'prod-read-oncall' }, minutes(2));
    expect(r.approvals).toEqual([
      { by: alice, at: minutes(1).toISOString() },
      { by: { policyRule: 'prod-read-oncall', displayName: 'policy:prod-read-oncall' }, at: minutes(2).toISOString() },
    ]);
    expect(r.requester.email).toBe(dave.email.toLowerCase());
  });
});
