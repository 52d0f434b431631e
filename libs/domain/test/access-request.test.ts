import { describeActor, grantedMinutes, grantSecretId, isTerminal, minuteOf, parseAccessRequest, REQUEST_STATES, sameActor } from '../src';
import { newRequest } from './fixtures';

// Who is the same person (self-approval hangs on it), how a person is named in messages, and what a
// stored request must look like to be read back. Expectations written by hand.

describe('the same person', () => {
  it('is the same e-mail in any case, or the same Slack id', () => {
    expect(sameActor({ email: 'Dave@Example.com' }, { email: 'dave@example.com' })).toBe(true);
    expect(sameActor({ slackUserId: 'U0DAVE' }, { slackUserId: 'U0DAVE', email: 'dave@example.com' })).toBe(true);
    expect(sameActor({ email: 'dave@example.com', slackUserId: 'U0X' }, { email: 'other@example.com', slackUserId: 'U0X' })).toBe(true);
  });

  it('is never two people of whom one field is missing, nor two people without ids', () => {
    expect(sameActor({ email: 'dave@example.com' }, { slackUserId: 'U0DAVE' })).toBe(false);
    expect(sameActor({ slackUserId: 'U0DAVE' }, { email: 'dave@example.com' })).toBe(false);
    expect(sameActor({}, {})).toBe(false);
    expect(sameActor({ displayName: 'Dave' }, { displayName: 'Dave' })).toBe(false);
    expect(sameActor({ email: '', slackUserId: '' }, { email: '', slackUserId: '' })).toBe(false);
    expect(sameActor({ slackUserId: 'u0dave' }, { slackUserId: 'U0DAVE' })).toBe(false);
    expect(sameActor({ email: 'dave@example.com', slackUserId: 'U0A' }, { email: 'erin@example.com', slackUserId: 'U0B' })).toBe(false);
  });
});

describe('a person named in a message', () => {
  it('is the rule for a policy, else the e-mail, the Slack id, the display name, or someone', () => {
    expect(describeActor({ policyRule: 'dev-read', email: 'x@example.com' })).toBe('policy:dev-read');
    expect(describeActor({ email: 'dave@example.com', slackUserId: 'U0DAVE', displayName: 'Dave' })).toBe('dave@example.com');
    expect(describeActor({ slackUserId: 'U0DAVE', displayName: 'Dave' })).toBe('U0DAVE');
    expect(describeActor({ displayName: 'Dave' })).toBe('Dave');
    expect(describeActor({})).toBe('someone');
  });
});

describe('request facts', () => {
  it('only revoked, denied, cancelled, expired and failed are terminal', () => {
    expect(REQUEST_STATES.filter(isTerminal)).toEqual(['revoked', 'denied', 'cancelled', 'expired', 'failed']);
  });

  it('the grant lasts the approved minutes when shorter, else the asked ones; a minute is 60 s unless the request says', () => {
    expect(grantedMinutes({ durationMinutes: 60 })).toBe(60);
    expect(grantedMinutes({ durationMinutes: 60, approvedMinutes: 20 })).toBe(20);
    expect(minuteOf({})).toBe(60_000);
    expect(minuteOf({ minuteMs: 1000 })).toBe(1000);
  });

  it('credentials live under dbre/access/<request id>', () => {
    expect(grantSecretId('01JD3M4Z7Q8R9S0T1V2W3X4Y5Z')).toBe('dbre/access/01JD3M4Z7Q8R9S0T1V2W3X4Y5Z');
  });
});

describe('reading a stored request', () => {
  it('reads back what was stored, with the requester e-mail lower-cased', () => {
    const stored = JSON.parse(JSON.stringify({ ...newRequest(), requester: { email: 'Dave.Smith@Example.COM', displayName: 'Dave Smith' } })) as unknown;
    expect(parseAccessRequest(stored)).toMatchObject({ state: 'requested', version: 1, requester: { email: 'dave.smith@example.com', displayName: 'Dave Smith' } });
  });

  it('refuses a record with a bad field, naming it', () => {
    const stored = JSON.parse(JSON.stringify(newRequest())) as Record<string, unknown>;
    expect(() => parseAccessRequest({ ...stored, state: 'paused' })).toThrow(/state/);
    expect(() => parseAccessRequest({ ...stored, id: 'not-a-ulid' })).toThrow(/a ULID/);
  });
});
