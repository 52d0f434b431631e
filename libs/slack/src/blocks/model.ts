/**
 * What the Block Kit builders need to know about a request. Routes and the notifier map the
 * domain's AccessRequest to this, so the builders stay pure and independent of the store.
 */
export type Environment = 'dev' | 'stg' | 'prod';

export interface RequestSummary {
  id: string;
  requester: { slackUserId?: string; email?: string; name?: string };
  clusterId: string;
  environment: Environment;
  database: string;
  profile: string;
  durationMinutes: number;
  reason: string;
  state?: string;
  /** Approvals needed for this environment (prod may need 2). */
  approvalsRequired?: number;
  approvals?: Array<{ by: string; at: string }>;
  endsAt?: string;
}

export interface ClusterChoice {
  id: string;
  environment: Environment;
  description?: string;
}

/** Who is mentioned: a Slack mention when we have the id, else the e-mail or name. */
export function who(person: { slackUserId?: string; email?: string; name?: string }): string {
  if (person.slackUserId && /^[UW][A-Z0-9]{2,}$/.test(person.slackUserId)) return `<@${person.slackUserId}>`;
  return escapeText(person.name ?? person.email ?? 'someone');
}

/** Slack mrkdwn needs &, < and > escaped in user-provided text. */
export function escapeText(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

export function formatDuration(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** A date Slack renders in the reader's time zone, with the ISO text as fallback. */
export function slackDate(iso: string): string {
  const seconds = Math.floor(new Date(iso).getTime() / 1000);
  if (!Number.isFinite(seconds)) return escapeText(iso);
  return `<!date^${seconds}^{date_short_pretty} {time}|${iso}>`;
}

/** Block action ids: the routes dispatch on these; one list so they never drift. */
export const ACTIONS = {
  approve: 'access_approve',
  deny: 'access_deny',
  cancel: 'access_cancel',
  end: 'access_end',
  extend: 'access_extend',
  clusterSelect: 'access_cluster',
} as const;

/** View callback ids. */
export const VIEWS = {
  request: 'access_request',
  denyReason: 'access_deny_reason',
  extend: 'access_extend',
  /** The /schema-review modal: its submission is forwarded to schema-review. */
  schemaReview: 'schema_review',
} as const;
