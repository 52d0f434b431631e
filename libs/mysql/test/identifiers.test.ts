import { accountName, quoteIdentifier, validateIdentifier } from '../src';

describe('identifiers', () => {
  it('back-quotes plain database names', () => {
    expect(quoteIdentifier('shop')).toBe('`shop`');
    expect(quoteIdentifier('shop-eu_2$')).toBe('`shop-eu_2$`');
  });

  it.each([
    ['sh`op', /backticks are not allowed/],
    ["shop'", /quotes are not allowed/],
    ['sh"op', /quotes are not allowed/],
    ['my shop', /spaces are not allowed/],
    ['shop;drop', /semicolons/],
    ['sh\\op', /backslashes/],
    ['', /empty/],
    ['a'.repeat(65), /65 characters long; the limit is 64/],
    ['shöp', /only letters, digits, _, \$ and - are allowed/],
  ])('refuses the database name %j with a clear message', (name, message) => {
    expect(() => quoteIdentifier(name)).toThrow(message);
    expect(() => quoteIdentifier(name)).toThrow(expect.objectContaining({ code: 'IDENTIFIER_INVALID', kind: 'invalid' }));
  });

  it('builds account names only from strict parts, with per-engine length limits', () => {
    expect(accountName('jit_dave_x', '%')).toBe("'jit_dave_x'@'%'");
    expect(() => accountName("x'@'%", '%')).toThrow(/quotes/);
    expect(() => accountName('dave-x', '%')).toThrow(/only letters, digits and _/);
    expect(() => accountName('a'.repeat(33), '%', 32)).toThrow(/33 characters long; the limit is 32/);
    expect(() => accountName('dave', "%' OR 1")).toThrow(/quotes/);
    expect(validateIdentifier('a'.repeat(80), 'user')).toHaveLength(80);
  });
});
