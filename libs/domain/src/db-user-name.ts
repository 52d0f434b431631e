import { createHash, randomInt } from 'node:crypto';
import { DomainError } from './errors';

/** Accounts a platform user must never be named like (exact, lower-case). */
export const RESERVED_USER_NAMES: readonly string[] = [
  'root',
  'admin',
  'mysql',
  'mariadb',
  'public',
  'rdsadmin',
  'rdsrepladmin',
  'rdsproxyadmin',
  'rds_superuser_role',
  'rdstopmgr',
  'debian-sys-maint',
  'mysql.sys',
  'mysql.session',
  'mysql.infoschema',
  'mariadb.sys',
  'replication',
  'repl',
];
const RESERVED_PREFIXES = ['mysql.', 'mariadb.', 'rdsadmin', 'rdsrepl', 'rdsproxy', 'rdstopmgr', 'rds_superuser', 'aws_'];

export function isReservedUserName(name: string): boolean {
  const n = name.toLowerCase();
  return RESERVED_USER_NAMES.includes(n) || RESERVED_PREFIXES.some((p) => n.startsWith(p));
}

export const DEFAULT_DB_USER_PREFIX = 'jit_';
const SUFFIX = /^[a-z0-9]{1,12}$/;
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A random suffix of `length` [a-z0-9] characters (crypto-random). */
export function randomSuffix(length = 5): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/**
 * A suffix derived from the request id (a ULID's random tail, lower-cased), so every retry of
 * the same request starts from the same name.
 */
export function suffixFromRequestId(requestId: string, length = 5): string {
  return requestId.toLowerCase().replace(/[^a-z0-9]/g, '').slice(-length);
}

/** The e-mail's local part reduced to [a-z0-9_]: lower-cased, `+tag` dropped, runs of others → `_`. */
export function emailLocalPart(email: string): string {
  const local = (email.split('@')[0] ?? '').split('+')[0] ?? '';
  const clean = local
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  return clean || 'user';
}

/**
 * The one-off MySQL user name for a person: `<prefix><local part>_<suffix>`, only [a-z0-9_],
 * never longer than `limit` (the local part is shortened), never in `taken` (compared
 * case-insensitively) nor reserved. On a collision the suffix is re-derived deterministically
 * from itself, so the same inputs always give the same name.
 *
 * Idempotence: a caller that retries must reuse the name it recorded, not call this again with
 * its own user now in `taken`.
 */
export function dbUserName(
  email: string,
  suffix: string,
  limit: number,
  taken: Iterable<string> = [],
  prefix: string = DEFAULT_DB_USER_PREFIX,
): string {
  if (!SUFFIX.test(suffix)) throw new DomainError('DB_USER_SUFFIX_INVALID', 'invalid', `The user name suffix "${suffix}" must be 1-12 of [a-z0-9].`);
  if (!/^[a-z0-9_]{0,16}$/.test(prefix)) throw new DomainError('DB_USER_PREFIX_INVALID', 'invalid', `The user name prefix "${prefix}" must be up to 16 of [a-z0-9_].`);
  const minimum = prefix.length + 1 + 1 + suffix.length;
  if (!Number.isInteger(limit) || limit < minimum) {
    throw new DomainError('DB_USER_LIMIT_TOO_SMALL', 'invalid', `A user name limit of ${limit} leaves no room for "${prefix}" + a name + "_${suffix}" (needs at least ${minimum}).`);
  }
  const takenSet = new Set([...taken].map((t) => t.toLowerCase()));
  const local = emailLocalPart(email);
  for (let attempt = 0; attempt < 100; attempt++) {
    const s = attempt === 0 ? suffix : derive(suffix, attempt);
    const room = limit - prefix.length - 1 - s.length;
    let head = local.slice(0, room).replace(/_+$/, '') || 'u';
    // A local part that itself reads as a reserved account (only possible without a prefix) gets `u_`.
    if (isReservedUserName(`${prefix}${head}_`)) head = `u_${local}`.slice(0, room).replace(/_+$/, '');
    const name = `${prefix}${head}_${s}`;
    if (!takenSet.has(name) && !isReservedUserName(name)) return name;
  }
  throw new DomainError('DB_USER_NAME_EXHAUSTED', 'conflict', `No free database user name for ${email}; too many names are taken.`);
}

function derive(suffix: string, attempt: number): string {
  const digest = createHash('sha256').update(`${suffix}:${attempt}`).digest();
  let s = '';
  for (const byte of digest.subarray(0, suffix.length)) s += ALPHABET[byte % ALPHABET.length];
  return s;
}
