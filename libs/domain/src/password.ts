import { randomInt } from 'node:crypto';

const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';
/**
 * URL-unreserved symbols that no shell treats specially inside a word: the password survives
 * `mysql -p<pw>`, a connection string `mysql://u:<pw>@h` and copy-paste (no look-alikes 0/O/1/l/I).
 */
export const PASSWORD_SYMBOLS = '-_.';
const ALL = UPPER + LOWER + DIGITS + PASSWORD_SYMBOLS;
const MIN_PER_CLASS = 2;

/**
 * A crypto-random password of `length` (≥ 32) characters with at least two upper, lower,
 * digit and symbol characters, starting with a letter (a leading `-` reads as an option).
 */
export function generatePassword(length = 40): string {
  if (!Number.isInteger(length) || length < 32 || length > 128) throw new RangeError('password length must be an integer from 32 to 128');
  const chars: string[] = [];
  for (const set of [UPPER, LOWER, DIGITS, PASSWORD_SYMBOLS]) for (let i = 0; i < MIN_PER_CLASS; i++) chars.push(pick(set));
  while (chars.length < length - 1) chars.push(pick(ALL));
  // Fisher-Yates with crypto randomness, then a letter in front.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    const swap = chars[i] as string;
    chars[i] = chars[j] as string;
    chars[j] = swap;
  }
  return pick(UPPER + LOWER) + chars.join('');
}

/**
 * MySQL `validate_password` at policy STRONG (defaults): length ≥ 8, ≥ 1 upper and lower case,
 * ≥ 1 digit, ≥ 1 non-alphanumeric; the dictionary check cannot match random text. Plus this
 * platform's own rules: ≥ 32 characters, only shell- and URL-safe characters.
 */
export function checkPasswordStrength(password: string): { ok: boolean; problems: string[] } {
  const problems: string[] = [];
  if (password.length < 32) problems.push('shorter than 32 characters');
  if (!/[A-Z]/.test(password)) problems.push('no upper-case letter');
  if (!/[a-z]/.test(password)) problems.push('no lower-case letter');
  if (!/[0-9]/.test(password)) problems.push('no digit');
  if (!/[^A-Za-z0-9]/.test(password)) problems.push('no special character');
  if (!/^[A-Za-z0-9._-]+$/.test(password)) problems.push('contains characters outside [A-Za-z0-9._-]');
  if (/^[^A-Za-z]/.test(password)) problems.push('does not start with a letter');
  return { ok: problems.length === 0, problems };
}

function pick(set: string): string {
  return set.charAt(randomInt(set.length));
}
