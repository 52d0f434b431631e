import { dbUserName, emailLocalPart, isReservedUserName, randomSuffix, suffixFromRequestId } from '../src';

describe('database user names', () => {
  it('are the lower-cased e-mail local part with only [a-z0-9_], a prefix and a suffix', () => {
    expect(dbUserName('Dave.Smith@example.com', 'k3f9a', 32, [])).toBe('jit_dave_smith_k3f9a');
    expect(dbUserName('o\'brien-Jr+ops@example.com', 'ab12c', 32)).toBe('jit_o_brien_jr_ab12c');
    expect(dbUserName('dave@example.com', 'ab12c', 32, [], '')).toBe('dave_ab12c');
  });

  it('reduce odd local parts to something usable', () => {
    expect(emailLocalPart('..--@example.com')).toBe('user');
    expect(emailLocalPart('Ünïcode.Ñame@example.com')).toBe('n_code_ame');
    expect(emailLocalPart('__a__b__@x')).toBe('a_b');
    expect(emailLocalPart('`; DROP USER root; --@x')).toBe('drop_user_root');
  });

  it('never exceed the limit: 16 (old MySQL), 32 (MySQL 5.7+/Aurora), 80 (MariaDB)', () => {
    const long = `${'averyveryverylongname.'.repeat(6)}@example.com`;
    for (const limit of [16, 32, 80]) {
      const name = dbUserName(long, 'zz9zz', limit);
      expect(name.length).toBeLessThanOrEqual(limit);
      expect(name).toMatch(/^jit_[a-z0-9_]+_zz9zz$/);
      expect(name).not.toMatch(/__/);
    }
    expect(dbUserName(long, 'zz9zz', 16)).toBe('jit_averyv_zz9zz');
  });

  it('never collide with a taken name (case-insensitive) and stay deterministic', () => {
    const first = dbUserName('dave@example.com', 'abcde', 32, []);
    const second = dbUserName('dave@example.com', 'abcde', 32, [first.toUpperCase()]);
    expect(second).not.toBe(first);
    expect(second).toMatch(/^jit_dave_[a-z0-9]{5}$/);
    expect(dbUserName('dave@example.com', 'abcde', 32, [first])).toBe(second);
    const taken = new Set<string>([first, second]);
    const third = dbUserName('dave@example.com', 'abcde', 32, taken);
    expect(taken.has(third)).toBe(false);
  });

  it('never produce a reserved name', () => {
    expect(isReservedUserName('root')).toBe(true);
    expect(isReservedUserName('rdsadmin')).toBe(true);
    expect(isReservedUserName('mysql.session')).toBe(true);
    expect(isReservedUserName('mariadb.sys')).toBe(true);
    expect(isReservedUserName('jit_root_abcde')).toBe(false);
    // Without a prefix, a local part like "rdsadmin" would read as a reserved account.
    expect(dbUserName('rdsadmin@example.com', 'abcde', 32, [], '')).toBe('u_rdsadmin_abcde');
    expect(dbUserName('mysql.sys@example.com', 'abcde', 32, [], '')).toBe('mysql_sys_abcde');
    expect(dbUserName('root@example.com', 'x', 32, [], '')).toBe('root_x');
  });

  it('refuse a limit that leaves no room and a malformed suffix', () => {
    expect(() => dbUserName('dave@example.com', 'abcde', 10)).toThrow(/leaves no room/);
    expect(() => dbUserName('dave@example.com', 'AB-1', 32)).toThrow(/suffix/);
    expect(() => dbUserName('dave@example.com', 'abc', 32, [], "x'")).toThrow(/prefix/);
  });

  it('suffixes: random is [a-z0-9], from a request id is stable', () => {
    expect(randomSuffix()).toMatch(/^[a-z0-9]{5}$/);
    expect(randomSuffix(8)).toMatch(/^[a-z0-9]{8}$/);
    expect(suffixFromRequestId('01JD3M4Z7Q8R9S0T1V2W3X4Y5Z')).toBe('x4y5z');
  });
});
