import { checkPasswordStrength, generatePassword } from '../src';

describe('generated passwords', () => {
  const many = Array.from({ length: 2000 }, () => generatePassword());

  it('are at least 32 characters (40 by default) and pass validate_password STRONG', () => {
    for (const p of many) {
      expect(p).toHaveLength(40);
      expect(checkPasswordStrength(p)).toEqual({ ok: true, problems: [] });
    }
    expect(generatePassword(32)).toHaveLength(32);
  });

  it('use only characters safe in a shell word and a connection-string URL, starting with a letter', () => {
    for (const p of many) {
      expect(p).toMatch(/^[A-Za-z][A-Za-z0-9._-]+$/);
      expect(encodeURIComponent(p)).toBe(p);
    }
  });

  it('contain at least two characters of every class', () => {
    for (const p of many.slice(0, 200)) {
      for (const cls of [/[A-Z]/g, /[a-z]/g, /[0-9]/g, /[._-]/g]) expect((p.match(cls) ?? []).length).toBeGreaterThanOrEqual(2);
    }
  });

  it('do not repeat', () => {
    expect(new Set(many).size).toBe(many.length);
  });

  it('refuse lengths under 32', () => {
    expect(() => generatePassword(16)).toThrow(/32/);
  });

  it('the checker names what is missing', () => {
    expect(checkPasswordStrength('password').problems).toEqual([
      'shorter than 32 characters',
      'no upper-case letter',
      'no digit',
      'no special character',
    ]);
    expect(checkPasswordStrength(`Aa1-${'x'.repeat(30)}$`).problems).toEqual(['contains characters outside [A-Za-z0-9._-]']);
  });
});
