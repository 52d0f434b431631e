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

  it('refuse lengths under 32, over 128 and fractional ones, and accept both ends', () => {
    for (const bad of [16, 31, 129, 40.5, Number.NaN]) expect(() => generatePassword(bad)).toThrow('password length must be an integer from 32 to 128');
    expect(generatePassword(128)).toHaveLength(128);
    expect(generatePassword(32)).toHaveLength(32);
  });

  it('mix the classes: no position after the first letter always holds the same class', () => {
    // Without the shuffle, the two upper-case letters, two lower, two digits and two symbols drawn
    // first would sit at positions 1-8 of every password: guessable structure. Generated inside the
    // test (not in `many`, made while collecting) so mutation testing sees this test cover the shuffle.
    const sample = Array.from({ length: 300 }, () => generatePassword());
    const classOf = (c: string) => (/[A-Z]/.test(c) ? 'upper' : /[a-z]/.test(c) ? 'lower' : /[0-9]/.test(c) ? 'digit' : 'symbol');
    for (let position = 1; position <= 8; position++) {
      const classes = new Set(sample.map((p) => classOf(p[position]!)));
      expect(classes.size).toBeGreaterThan(2);
    }
  });

  it('the checker names what is missing', () => {
    expect(checkPasswordStrength('password').problems).toEqual([
      'shorter than 32 characters',
      'no upper-case letter',
      'no digit',
      'no special character',
    ]);
    expect(checkPasswordStrength(`Aa1-${'x'.repeat(30)}$`).problems).toEqual(['contains characters outside [A-Za-z0-9._-]']);
    expect(checkPasswordStrength(`Aa1-$${'x'.repeat(28)}`).problems).toEqual(['contains characters outside [A-Za-z0-9._-]']);
    expect(checkPasswordStrength(`1Aa-${'x'.repeat(28)}`).problems).toEqual(['does not start with a letter']);
    expect(checkPasswordStrength(`-Aa1${'x'.repeat(28)}`).problems).toEqual(['does not start with a letter']);
  });

  it('the checker takes 32 characters and refuses 31', () => {
    expect(checkPasswordStrength(`Aa1-${'x'.repeat(28)}`)).toEqual({ ok: true, problems: [] });
    expect(checkPasswordStrength(`Aa1-${'x'.repeat(27)}`)).toEqual({ ok: false, problems: ['shorter than 32 characters'] });
  });

  it('the checker names each class a single-case password lacks', () => {
    expect(checkPasswordStrength('a'.repeat(32)).problems).toEqual(['no upper-case letter', 'no digit', 'no special character']);
    expect(checkPasswordStrength('A'.repeat(32)).problems).toEqual(['no lower-case letter', 'no digit', 'no special character']);
  });
});
