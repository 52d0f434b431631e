import { z } from 'zod';

/**
 * Whether a cluster's database audit log records what its users do: MariaDB's `server_audit`
 * plugin, or Aurora MySQL's Advanced Auditing (its variables descend from the plugin) exported
 * to CloudWatch Logs. A grant on a cluster with it off has no database evidence.
 */
export const auditLoggingSchema = z
  .object({
    enabled: z.boolean().describe('server_audit_logging is ON (and, on Aurora when known, the audit log is exported to CloudWatch Logs)'),
    detail: z.string().describe('why, in words: the variable values read, what is missing'),
    events: z.string().optional().describe('server_audit_events as read ("" = every event)'),
  })
  .describe('since 1.2: the audit logging state read at the crawl');
export type AuditLogging = z.output<typeof auditLoggingSchema>;

const ON = new Set(['on', '1', 'true', 'yes']);
/** What a grant's evidence needs logged: logins and every kind of statement. */
const NEEDED_EVENTS = ['CONNECT', 'QUERY_DDL', 'QUERY_DML', 'QUERY_DCL'] as const;

/**
 * The audit logging state from SHOW GLOBAL VARIABLES (and, for Aurora, the cluster's CloudWatch
 * Logs exports when the inventory knows them). Absent `server_audit_logging` = no plugin.
 */
export function auditLoggingOf(input: { engine?: string | undefined; variables: Readonly<Record<string, string>>; logExports?: readonly string[] | undefined }): AuditLogging {
  const aurora = input.engine === 'aurora-mysql';
  const logging = input.variables['server_audit_logging'];
  if (logging === undefined) {
    return {
      enabled: false,
      detail: aurora ? 'server_audit_logging is not reported: Advanced Auditing is unavailable on this cluster' : 'the server_audit plugin is not installed (no server_audit_logging variable)',
    };
  }
  const events = (input.variables['server_audit_events'] ?? '').trim();
  const base = { events };
  if (!ON.has(logging.trim().toLowerCase())) {
    return { ...base, enabled: false, detail: `server_audit_logging=${logging}: nothing the users run is logged` };
  }
  if (aurora && input.logExports && !input.logExports.includes('audit')) {
    return { ...base, enabled: false, detail: `server_audit_logging=${logging}, but the audit log is not exported to CloudWatch Logs (enabled_cloudwatch_logs_exports lacks "audit")` };
  }
  const listed = new Set(events.toUpperCase().split(',').map((e) => e.trim()).filter(Boolean));
  // QUERY logs every statement kind; an empty list logs every event.
  const missing = listed.size === 0 ? [] : NEEDED_EVENTS.filter((e) => !listed.has(e) && !(e.startsWith('QUERY_') && listed.has('QUERY')));
  return {
    ...base,
    enabled: true,
    detail: `server_audit_logging=${logging}, events ${events === '' ? 'all' : events}${missing.length ? ` (not logged: ${missing.join(', ')})` : ''}`,
  };
}

/** The state a parameter source records, or (older snapshots and summaries) the one its variables give. */
export function auditStateOf(source: { engine?: string | undefined; variables: Readonly<Record<string, string>>; auditLogging?: AuditLogging | undefined }): AuditLogging {
  return source.auditLogging ?? auditLoggingOf({ engine: source.engine, variables: source.variables });
}
