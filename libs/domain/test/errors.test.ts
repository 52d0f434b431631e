import { DomainError, isDomainError } from '../src';

// The services map a DomainError to an HTTP status and show its message to the person who asked;
// anything else is a 500 whose details stay in the log. So the check must not be fooled by look-alikes.

describe('DomainError', () => {
  it('carries its code, kind, message and details, and the cause only when one is given', () => {
    const cause = new Error('ER_ACCESS_DENIED_ERROR');
    const withCause = new DomainError('DATABASE_NOT_FOUND', 'invalid', 'There is no database shop on main.', { cause, details: { database: 'shop' } });
    expect(withCause).toMatchObject({ name: 'DomainError', code: 'DATABASE_NOT_FOUND', kind: 'invalid', message: 'There is no database shop on main.', details: { database: 'shop' } });
    expect(withCause.cause).toBe(cause);

    const plain = new DomainError('NOT_EXPIRED', 'conflict', 'Still under review.');
    expect('cause' in plain).toBe(false);
    expect(plain.details).toBeUndefined();
    const onlyDetails = new DomainError('NOT_EXPIRED', 'conflict', 'Still under review.', { details: { id: 'r1' } });
    expect('cause' in onlyDetails).toBe(false);
    expect(onlyDetails.details).toEqual({ id: 'r1' });
  });
});

describe('isDomainError', () => {
  const refusal = new DomainError('POLICY_SELF_APPROVAL', 'forbidden', 'You cannot approve your own request; another approver must do it.');

  it('recognises a DomainError, with any code or the code asked for', () => {
    expect(isDomainError(refusal)).toBe(true);
    expect(isDomainError(refusal, 'POLICY_SELF_APPROVAL')).toBe(true);
  });

  it('refuses another code, and look-alikes that are not DomainErrors', () => {
    expect(isDomainError(refusal, 'POLICY_NOT_APPROVER')).toBe(false);
    const lookAlike = Object.assign(new Error('You cannot approve your own request'), { code: 'POLICY_SELF_APPROVAL', kind: 'forbidden' });
    expect(isDomainError(lookAlike)).toBe(false);
    expect(isDomainError(lookAlike, 'POLICY_SELF_APPROVAL')).toBe(false);
    expect(isDomainError({ code: 'POLICY_SELF_APPROVAL' }, 'POLICY_SELF_APPROVAL')).toBe(false);
    expect(isDomainError(undefined)).toBe(false);
  });
});
