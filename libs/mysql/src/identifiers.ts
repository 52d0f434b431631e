import { MysqlAdminError } from './errors';

export type IdentifierKind = 'user' | 'database' | 'host' | 'event';

const RULES: Record<IdentifierKind, { pattern: RegExp; allowed: string; max: number }> = {
  user: { pattern: /^[A-Za-z0-9_]+$/, allowed: 'letters, digits and _', max: 80 },
  database: { pattern: /^[A-Za-z0-9_$-]+$/, allowed: 'letters, digits, _, $ and -', max: 64 },
  host: { pattern: /^(%|[A-Za-z0-9._:%-]+)$/, allowed: 'letters, digits, ., _, :, - and %', max: 255 },
  event: { pattern: /^[A-Za-z0-9_]+$/, allowed: 'letters, digits and _', max: 64 },
};

/**
 * Refuses anything but a plain identifier, saying exactly why (quote, backtick, space, length),
 * and returns it unchanged. `max` narrows the kind's own limit (e.g. 32 for MySQL user names).
 */
export function validateIdentifier(value: string, kind: IdentifierKind, max?: number): string {
  const rule = RULES[kind];
  const limit = Math.min(max ?? rule.max, rule.max);
  const fail = (why: string) => {
    throw new MysqlAdminError('IDENTIFIER_INVALID', 'invalid', `Invalid ${kind} name ${JSON.stringify(value)}: ${why}.`, { details: { kind } });
  };
  if (typeof value !== 'string' || value.length === 0) fail('it is empty');
  if (value.includes('`')) fail('backticks are not allowed');
  if (/['"]/.test(value)) fail('quotes are not allowed');
  if (/\s/.test(value)) fail('spaces are not allowed');
  if (/[\\\0;]/.test(value)) fail('backslashes, NUL and semicolons are not allowed');
  if (value.length > limit) fail(`it is ${value.length} characters long; the limit is ${limit}`);
  if (!rule.pattern.test(value)) fail(`only ${rule.allowed} are allowed`);
  return value;
}

/** `name` validated and back-quoted, for database, table and event names. */
export function quoteIdentifier(value: string, kind: Exclude<IdentifierKind, 'user' | 'host'> = 'database'): string {
  return `\`${validateIdentifier(value, kind)}\``;
}

/**
 * `'user'@'host'` for account statements. Both parts pass the strict patterns first (no quote
 * can occur), and account names cannot be bound as parameters.
 */
export function accountName(user: string, host: string, maxUserLength?: number): string {
  return `'${validateIdentifier(user, 'user', maxUserLength)}'@'${validateIdentifier(host, 'host')}'`;
}

/**
 * The `ON` clause of a database-level GRANT/REVOKE: `*.*` for `*`, else `` `name`.* `` with `_`, `%`
 * and `\` escaped, because in a grant's database name `_` and `%` are wildcards (a grant on
 * `demo_shop` would also open `demoXshop`).
 */
export function grantScope(database: string): string {
  if (database === '*') return '*.*';
  return `\`${validateIdentifier(database, 'database').replace(/[\\_%]/g, (c) => `\\${c}`)}\`.*`;
}
