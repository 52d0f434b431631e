import { dbUserName, emailLocalPart, isReservedUserName, suffixFromRequestId } from '../src';

// The MySQL user a grant gets: its name fits the engine's limit to the character, never reads as a
// server account, and a prefix or limit that cannot work is refused in words. Expectations by hand.

describe('the user name limit', () => {
  it('is usable down to exactly prefix + one letter + _ + suffix', () => {
    expect(dbUserName('dave@example.com', 'abcde', 11)).toBe('jit_d_abcde');
    expect(() => dbUserName('dave@example.com', 'abcde', 10)).toThrow(
      expect.objectContaining({
        code: 'DB_USER_LIMIT_TOO_SMALL',
        kind: 'invalid',
        message: 'A user name limit of 10 leaves no room for "jit_" + a name + "_abcde" (needs at least 11).',
      }),
    );
  });

  it('must be a whole number', () => {
    expect(() => dbUserName('dave@example.com', 'abcde', 20.5)).toThrow(expect.objectContaining({ code: 'DB_USER_LIMIT_TOO_SMALL' }));
    expect(() => dbUserName('dave@example.com', 'abcde', Number.NaN)).toThrow(expect.objectContaining({ code: 'DB_USER_LIMIT_TOO_SMALL' }));
  });

  it('a cut that ends on _ drops it, so no name holds a double underscore', () => {
    expect(dbUserName('ab_cdefgh@example.com', 'abcde', 13)).toBe('jit_ab_abcde');
  });
});

describe('the user name prefix', () => {
  it('takes up to 16 of [a-z0-9_] and refuses more or anything else, quoting it', () => {
    expect(dbUserName('dave@example.com', 'abcde', 80, [], 'p234567890123456')).toBe('p234567890123456dave_abcde');
    expect(() => dbUserName('dave@example.com', 'abcde', 80, [], 'p2345678901234567')).toThrow(
      expect.objectContaining({ code: 'DB_USER_PREFIX_INVALID', kind: 'invalid', message: 'The user name prefix "p2345678901234567" must be up to 16 of [a-z0-9_].' }),
    );
    expect(() => dbUserName('dave@example.com', 'abcde', 80, [], 'Jit_')).toThrow(expect.objectContaining({ code: 'DB_USER_PREFIX_INVALID' }));
    expect(() => dbUserName('dave@example.com', 'abcde', 80, [], 'x jit_')).toThrow(expect.objectContaining({ code: 'DB_USER_PREFIX_INVALID' }));
    expect(() => dbUserName('dave@example.com', 'abcde', 80, [], 'jit_ x')).toThrow(expect.objectContaining({ code: 'DB_USER_PREFIX_INVALID' }));
  });

  it('a malformed suffix is refused, quoted', () => {
    expect(() => dbUserName('dave@example.com', 'ab-1', 32)).toThrow(
      expect.objectContaining({ code: 'DB_USER_SUFFIX_INVALID', kind: 'invalid', message: 'The user name suffix "ab-1" must be 1-12 of [a-z0-9].' }),
    );
  });

  it('a prefix under which every name is a server account gives up with DB_USER_NAME_EXHAUSTED, never a reserved name', () => {
    expect(() => dbUserName('dave@example.com', 'abcde', 32, [], 'aws_')).toThrow(
      expect.objectContaining({ code: 'DB_USER_NAME_EXHAUSTED', kind: 'conflict', message: 'No free database user name for dave@example.com; too many names are taken.' }),
    );
  });
});

describe('a local part that reads as a server account', () => {
  it('gets u_ in front, cut to the room left and without a trailing _', () => {
    expect(dbUserName('aws_xy@example.com', 'abcde', 12, [], '')).toBe('u_aws_abcde');
    expect(dbUserName('aws_x@example.com', 'abcde', 10, [], '')).toBe('u_aw_abcde');
    expect(dbUserName('aws_backup@example.com', 'abcde', 32, [], '')).toBe('u_aws_backup_abcde');
  });

  it('a re-derived suffix has the length of the given one', () => {
    expect(dbUserName('root@example.com', 'x', 32, ['ROOT_X'], '')).toMatch(/^root_[a-z0-9]$/);
    expect(dbUserName('root@example.com', 'abcdefgh', 32, ['root_abcdefgh'], '')).toMatch(/^root_[a-z0-9]{8}$/);
  });
});

describe('reserved accounts', () => {
  it('are recognised in any case and by their prefixes', () => {
    expect(isReservedUserName('ROOT')).toBe(true);
    expect(isReservedUserName('aws_backup')).toBe(true);
    expect(isReservedUserName('RDSADMIN2')).toBe(true);
    expect(isReservedUserName('rds_superuser_x')).toBe(true);
    expect(isReservedUserName('backup_aws_')).toBe(false);
    expect(isReservedUserName('roots')).toBe(false);
  });
});

describe('suffixes and local parts', () => {
  it('a suffix from a request id keeps only its last letters and digits, lower-cased', () => {
    expect(suffixFromRequestId('REQ-01JD-3M4Z-Q8R9')).toBe('zq8r9');
    expect(suffixFromRequestId('REQ-01JD-3M4Z-Q8R9', 8)).toBe('3m4zq8r9');
  });

  it('an address without @ is its own local part', () => {
    expect(emailLocalPart('Dave.Smith')).toBe('dave_smith');
    expect(emailLocalPart('ops+tag')).toBe('ops');
  });
});
