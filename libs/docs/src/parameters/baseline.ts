import { z } from 'zod';
import mariadb1011 from './baselines/mariadb-10.11.json';

/**
 * The engine defaults a cluster's variables are compared with. On AWS they come from the RDS
 * parameter group's source "engine-default"; locally from a baseline recorded with
 * `mariadbd --no-defaults --help --verbose` (or `mysqld`), kept in ./baselines.
 */
export const baselineSchema = z.object({
  id: z.string(),
  flavor: z.enum(['mariadb', 'mysql']),
  /** major.minor, e.g. 10.11 */
  version: z.string().regex(/^\d+\.\d+$/),
  source: z.string(),
  values: z.record(z.string(), z.string()),
});
export type ParameterBaseline = z.output<typeof baselineSchema>;

export const BUILTIN_BASELINES: readonly ParameterBaseline[] = [baselineSchema.parse(mariadb1011)];

/** The baseline for a server version string (`10.11.19-MariaDB-...`, `8.0.36`), if recorded. */
export function baselineFor(serverVersion: string, baselines: readonly ParameterBaseline[] = BUILTIN_BASELINES): ParameterBaseline | undefined {
  const flavor = /mariadb/i.test(serverVersion) ? 'mariadb' : 'mysql';
  const m = /^(\d+)\.(\d+)/.exec(serverVersion);
  if (!m) return undefined;
  return baselines.find((b) => b.flavor === flavor && b.version === `${m[1]}.${m[2]}`);
}

/** Normalizes a value for comparison: booleans and case, as `--help` and SHOW VARIABLES differ. */
export function normalizeValue(value: string): string {
  const v = value.trim();
  const upper = v.toUpperCase();
  if (upper === 'TRUE') return 'ON';
  if (upper === 'FALSE') return 'OFF';
  if (v === '(No default value)') return '';
  // 100 and 100.000000 are the same setting.
  if (/^-?\d+(\.\d+)?$/.test(v)) return String(Number(v));
  return upper;
}

/** true: differs; false: same; undefined: the baseline does not know the variable. */
export function differsFromBaseline(baseline: ParameterBaseline | undefined, name: string, value: string): boolean | undefined {
  const def = baseline?.values[name];
  if (def === undefined) return undefined;
  return normalizeValue(def) !== normalizeValue(value);
}

/**
 * Parses the variables table printed by `mariadbd --no-defaults --help --verbose`
 * (`name   value` after a dashed line; dashes in names become underscores).
 */
export function parseHelpVerbose(text: string): Record<string, string> {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^-{20,} -{5,}/.test(l));
  const out: Record<string, string> = {};
  if (start < 0) return out;
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m?.[1] || m[2] === undefined) continue;
    out[m[1].replace(/-/g, '_')] = m[2].trim();
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
