import { accountName, grantScope, MysqlAdminError, quoteIdentifier, validateIdentifier, type IdentifierKind } from '../src';

// The trust-boundary guard on its own, without a server: every name that reaches SQL text passes here
// first. Each refusal names the kind, the value and the reason, word for word.

const refusal = (kind: IdentifierKind, value: string, why: string) => {
  try {
    validateIdentifier(value, kind);
  } catch (err) {
    expect(err).toBeInstanceOf(MysqlAdminError);
    expect(err).toMatchObject({ name: 'MysqlAdminError', code: 'IDENTIFIER_INVALID', kind: 'invalid', details: { kind } });
    expect((err as Error).message).toBe(`Invalid ${kind} name ${JSON.stringify(value)}: ${why}.`);
    return;
  }
  throw new Error(`${kind} name ${JSON.stringify(value)} was accepted`);
};

describe('validateIdentifier', () => {
  it('returns a plain name unchanged, for each kind', () => {
    expect(validateIdentifier('jit_Dave_01', 'user')).toBe('jit_Dave_01');
    expect(validateIdentifier('shop-eu_2$', 'database')).toBe('shop-eu_2$');
    expect(validateIdentifier('%', 'host')).toBe('%');
    expect(validateIdentifier('10.0.%', 'host')).toBe('10.0.%');
    expect(validateIdentifier('db-1.internal_zone', 'host')).toBe('db-1.internal_zone');
    expect(validateIdentifier('fe80::1', 'host')).toBe('fe80::1');
    expect(validateIdentifier('dbre_drop_0123abcd', 'event')).toBe('dbre_drop_0123abcd');
  });

  it('refuses empty names and non-strings as empty', () => {
    refusal('user', '', 'it is empty');
    refusal('host', '', 'it is empty');
    expect(() => validateIdentifier(undefined as unknown as string, 'database')).toThrow(new MysqlAdminError('IDENTIFIER_INVALID', 'invalid', 'Invalid database name undefined: it is empty.'));
    expect(() => validateIdentifier(42 as unknown as string, 'event')).toThrow('Invalid event name 42: it is empty.');
  });

  it('names the first offending rule: backtick, then quotes, then spaces, then backslash, NUL or semicolon', () => {
    refusal('database', "a`'b c", 'backticks are not allowed');
    refusal('database', `a'"b c`, 'quotes are not allowed');
    refusal('database', 'a"b', 'quotes are not allowed');
    refusal('database', 'a b;', 'spaces are not allowed');
    refusal('user', 'a\tb', 'spaces are not allowed');
    refusal('user', 'a\nb', 'spaces are not allowed');
    refusal('user', 'a;b\\', 'backslashes, NUL and semicolons are not allowed');
    refusal('user', 'a\\b', 'backslashes, NUL and semicolons are not allowed');
    refusal('user', 'a\0b', 'backslashes, NUL and semicolons are not allowed');
    refusal('host', 'h;', 'backslashes, NUL and semicolons are not allowed');
  });

  it('limits each kind to its own length, and a narrower limit only narrows it', () => {
    expect(validateIdentifier('u'.repeat(80), 'user')).toHaveLength(80);
    refusal('user', 'u'.repeat(81), 'it is 81 characters long; the limit is 80');
    expect(validateIdentifier('d'.repeat(64), 'database')).toHaveLength(64);
    refusal('database', 'd'.repeat(65), 'it is 65 characters long; the limit is 64');
    expect(validateIdentifier('h'.repeat(255), 'host')).toHaveLength(255);
    refusal('host', 'h'.repeat(256), 'it is 256 characters long; the limit is 255');
    expect(validateIdentifier('e'.repeat(64), 'event')).toHaveLength(64);
    refusal('event', 'e'.repeat(65), 'it is 65 characters long; the limit is 64');
    // MySQL's 32: 32 passes, 33 does not; a "limit" above the kind's own is no wider than it.
    expect(validateIdentifier('u'.repeat(32), 'user', 32)).toHaveLength(32);
    expect(() => validateIdentifier('u'.repeat(33), 'user', 32)).toThrow('Invalid user name "uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu": it is 33 characters long; the limit is 32.');
    expect(() => validateIdentifier('u'.repeat(81), 'user', 100)).toThrow('it is 81 characters long; the limit is 80.');
  });

  it('allows only the characters of each kind, anywhere in the name', () => {
    for (const value of ['öab', 'aöb', 'abö', 'a-b', 'a.b', 'a$b', 'a%b', 'a:b']) refusal('user', value, 'only letters, digits and _ are allowed');
    for (const value of ['!ab', 'a!b', 'ab!', 'a.b', 'a%b', 'a:b', 'a/b']) refusal('database', value, 'only letters, digits, _, $ and - are allowed');
    for (const value of ['!h', 'h!h', 'h!', 'h/24', 'h$', 'h@h', '%!']) refusal('host', value, 'only letters, digits, ., _, :, - and % are allowed');
    for (const value of ['-e', 'e-e', 'e-', 'e.e', 'e$']) refusal('event', value, 'only letters, digits and _ are allowed');
    expect(validateIdentifier('Z9_', 'user')).toBe('Z9_');
    expect(validateIdentifier('0-$_aZ', 'database')).toBe('0-$_aZ');
  });
});

describe('quoteIdentifier, accountName and grantScope', () => {
  it('back-quotes database names by default and event names by their own rules', () => {
    expect(quoteIdentifier('shop-1')).toBe('`shop-1`');
    expect(quoteIdentifier('dbre_drop_x', 'event')).toBe('`dbre_drop_x`');
    expect(() => quoteIdentifier('shop-1', 'event')).toThrow('Invalid event name "shop-1": only letters, digits and _ are allowed.');
    expect(() => quoteIdentifier('sh`op')).toThrow('Invalid database name "sh`op": backticks are not allowed.');
  });

  it('quotes an account from a valid user and host, with the engine limit on the user', () => {
    expect(accountName('jit_dave', '10.0.%')).toBe("'jit_dave'@'10.0.%'");
    expect(accountName('u'.repeat(32), '%', 32)).toBe(`'${'u'.repeat(32)}'@'%'`);
    expect(() => accountName('u'.repeat(33), '%', 32)).toThrow('the limit is 32');
    expect(() => accountName('jit_dave', 'h/24')).toThrow('Invalid host name "h/24": only letters, digits, ., _, :, - and % are allowed.');
    expect(() => accountName('jit-dave', '%')).toThrow('Invalid user name "jit-dave": only letters, digits and _ are allowed.');
  });

  it('escapes every _ of a database name in a grant scope, and * means every database', () => {
    expect(grantScope('*')).toBe('*.*');
    expect(grantScope('shop')).toBe('`shop`.*');
    expect(grantScope('a__b_c')).toBe('`a\\_\\_b\\_c`.*');
    expect(grantScope('shop-1$')).toBe('`shop-1$`.*');
    expect(() => grantScope('**')).toThrow('Invalid database name "**": only letters, digits, _, $ and - are allowed.');
    expect(() => grantScope('a%')).toThrow(MysqlAdminError);
  });
});
