import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { RULES_BY_ID } from './rules';
import { SEVERITIES, type Dialect, type Rule, type Severity } from './rules/types';

/** A config problem a person can fix: names the file and every bad field. */
export class ReviewConfigError extends Error {
  readonly code = 'REVIEW_CONFIG_INVALID';
  readonly kind = 'invalid';
  constructor(readonly problems: string[], source: string) {
    super(`invalid review config${source ? ` ${source}` : ''}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ReviewConfigError';
  }
}

const severity = z.enum(['error', 'warning', 'info']);
const ruleSetting = z.union([
  z.enum(['off', 'on', 'error', 'warning', 'info']),
  z.boolean(),
  z.strictObject({ enabled: z.boolean().optional(), severity: severity.optional(), params: z.record(z.string(), z.unknown()).optional() }),
]);

/** The YAML file: `rules: { <id>: off | error | { enabled, severity, params } }`. */
export const reviewConfigFile = z.strictObject({
  dialect: z.enum(['mysql80', 'mysql57', 'mariadb']).optional(),
  /** MySQL 8.0 minor version of the target (Aurora 3.05+ = 8.0.32). */
  mysqlVersion: z.string().regex(/^8\.0\.\d+$/, 'like 8.0.32').optional(),
  rules: z.record(z.string(), ruleSetting).default({}),
  /** Rates used to estimate how long a table rebuild takes (MB of data + indexes per second). */
  rebuildRate: z.strictObject({ copyMBps: z.number().positive().default(20), inplaceMBps: z.number().positive().default(40) }).optional(),
});

export interface ResolvedRule {
  rule: Rule<unknown>;
  severity: Severity;
  /** The config set the severity: it wins over a rule's per-finding choice. */
  severityFixed: boolean;
  params: unknown;
}

export interface ReviewConfig {
  dialect: Dialect;
  mysqlMinor: number;
  rules: Map<string, ResolvedRule>;
  /** Bytes per second a COPY / an INPLACE rebuild is assumed to process (duration estimates). */
  rebuildRate?: { copyBytesPerSecond: number; inplaceBytesPerSecond: number };
}

/** Documented defaults: 20 MB/s for a COPY, 40 MB/s for an INPLACE rebuild (tune with rebuildRate in the config). */
export const DEFAULT_REBUILD_RATE = { copyBytesPerSecond: 20 * 1024 ** 2, inplaceBytesPerSecond: 40 * 1024 ** 2 };

/** Builds the effective configuration; throws ReviewConfigError listing every problem. */
export function resolveConfig(input: unknown = {}, source = ''): ReviewConfig {
  const parsed = reviewConfigFile.safeParse(input ?? {});
  if (!parsed.success) throw new ReviewConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`), source);
  const file = parsed.data;
  const problems: string[] = [];
  for (const id of Object.keys(file.rules)) if (!RULES_BY_ID.has(id)) problems.push(`rules.${id}: no such rule`);
  const rules = new Map<string, ResolvedRule>();
  for (const rule of RULES_BY_ID.values()) {
    const setting = file.rules[rule.id];
    let enabled = !rule.disabledByDefault;
    let sev: Severity = rule.severity;
    let severityFixed = false;
    let rawParams: Record<string, unknown> = {};
    if (setting === 'off' || setting === false) enabled = false;
    else if (setting === 'on' || setting === true) enabled = true;
    else if (typeof setting === 'string') {
      enabled = true;
      sev = setting;
      severityFixed = true;
    } else if (setting) {
      if (setting.enabled !== undefined) enabled = setting.enabled;
      if (setting.severity) {
        sev = setting.severity;
        severityFixed = true;
      }
      rawParams = setting.params ?? {};
    }
    let params: unknown = {};
    if (rule.params) {
      const p = rule.params.safeParse(rawParams);
      if (!p.success) {
        problems.push(...p.error.issues.map((i) => `rules.${rule.id}.params.${i.path.join('.')}: ${i.message}`));
        continue;
      }
      params = p.data;
    } else if (Object.keys(rawParams).length) problems.push(`rules.${rule.id}.params: this rule takes no parameters`);
    if (enabled) rules.set(rule.id, { rule, severity: sev, severityFixed, params });
  }
  if (problems.length) throw new ReviewConfigError(problems, source);
  const minor = Number.parseInt((file.mysqlVersion ?? '8.0.32').split('.')[2] ?? '32', 10);
  const rate = file.rebuildRate ? { copyBytesPerSecond: file.rebuildRate.copyMBps * 1024 ** 2, inplaceBytesPerSecond: file.rebuildRate.inplaceMBps * 1024 ** 2 } : DEFAULT_REBUILD_RATE;
  return { dialect: file.dialect ?? 'mysql80', mysqlMinor: minor, rules, rebuildRate: rate };
}

export function parseConfigYaml(text: string, source = ''): ReviewConfig {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new ReviewConfigError([(err as Error).message], source);
  }
  return resolveConfig(data ?? {}, source);
}

export async function loadConfigFile(path: string): Promise<ReviewConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ReviewConfigError([`cannot read it: ${(err as Error).message}`], path);
  }
  return parseConfigYaml(text, path);
}

export const DEFAULT_SEVERITIES = SEVERITIES;
