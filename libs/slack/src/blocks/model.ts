/**
 * What the Block Kit builders need to know about a request. Routes and the notifier map the
 * domain's AccessRequest to this, so the builders stay pure and independent of the store.
 */
export type Environment = 'dev' | 'stg' | 'prod';

/** Someone named in a message: a Slack mention when the id is known, else the name or e-mail. */
export interface Person {
  slackUserId?: string;
  email?: string;
  name?: string;
}

export interface RequestSummary {
  id: string;
  requester: Person;
  clusterId: string;
  environment: Environment;
  database: string;
  profile: string;
  durationMinutes: number;
  reason: string;
  state?: string;
  /** Approvals needed for this environment (prod may need 2). */
  approvalsRequired?: number;
  approvals?: Array<{ by: Person; at: string }>;
  endsAt?: string;
  requestedAt?: string;
  /** Unreviewed past this instant, the request expires. */
  reviewExpiresAt?: string;
  /** Scheduled start (provisioning runs then). */
  startAt?: string;
  /** What the approvers approved, when shorter than asked. */
  approvedMinutes?: number;
}

/** Other pending requests of the same change (same ticket or reason), for "Approve all N". */
export interface ChangeBatch {
  /** Every pending request of the change, this one included. */
  ids: string[];
  /** The ticket URL, or the shared reason. */
  change: string;
}

/** Where messages link to (the ops dashboard's public URL), when configured. */
export interface MessageLinks {
  dashboardUrl?: string;
}

/** The dashboard page of a request, or undefined without a dashboard URL. */
export function requestLink(links: MessageLinks | undefined, requestId: string): string | undefined {
  if (!links?.dashboardUrl) return undefined;
  return `${links.dashboardUrl.replace(/\/$/, '')}/requests/${encodeURIComponent(requestId)}`;
}

export interface ClusterChoice {
  id: string;
  environment: Environment;
  description?: string;
}

/**
 * Who is mentioned: a Slack mention when we have the id, else the name or e-mail as text.
 * Decisions made through REST or the dashboard carry no Slack id; `<@alice@example.com>` would
 * render as a broken mention.
 */
export function who(person: Person): string {
  if (person.slackUserId && isSlackUserId(person.slackUserId)) return `<@${person.slackUserId}>`;
  return escapeText(person.name ?? person.email ?? 'someone');
}

export function isSlackUserId(id: string): boolean {
  return /^[UW][A-Z0-9]{2,}$/.test(id);
}

/** A person given as one string (a Slack id or an e-mail), as older producers send it. */
export function personOf(idOrEmail: string): Person {
  return isSlackUserId(idOrEmail) ? { slackUserId: idOrEmail } : { email: idOrEmail };
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

/** "5 minutes ago", rendered (and kept current) by Slack in the reader's client. */
export function slackAgo(iso: string): string {
  const seconds = Math.floor(new Date(iso).getTime() / 1000);
  if (!Number.isFinite(seconds)) return escapeText(iso);
  return `<!date^${seconds}^{ago}|${iso}>`;
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
  /** A select on the approver message: approve for less than asked (value `<id>:<minutes>`). */
  approveFor: 'access_approve_for',
  /** "Approve all N for <ticket>" (value: the ids, comma-separated). */
  approveBatch: 'access_approve_batch',
  /** Opens the credentials modal: the password is read when clicked and never posted. */
  showCredentials: 'access_show_credentials',
} as const;

/** View callback ids. */
export const VIEWS = {
  request: 'access_request',
  denyReason: 'access_deny_reason',
  extend: 'access_extend',
  /** The credentials modal (read-only; nothing is submitted). */
  credentials: 'access_credentials',
  /** The /schema-review modal: its submission is forwarded to schema-review. */
  schemaReview: 'schema_review',
} as const;

/** The durations an approver may pick instead of the asked one: common steps strictly shorter. */
export function shorterDurations(asked: number): number[] {
  return [5, 10, 15, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 1440].filter((m) => m < asked);
}
