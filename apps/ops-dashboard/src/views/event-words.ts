import type { AccessRequest, AuditEvent } from '@dbre/domain';

/** Why a grant ended, in words (the store keeps snake_case reasons). */
export const REVOKE_REASON_WORDS: Record<string, string> = {
  expired: 'ran to its planned end',
  ended_by_requester: 'ended early by the requester',
  ended_by_approver: 'ended early by an approver',
  ended_by_operator: 'ended early by an operator',
  sweep: 'revoked by the safety sweep',
};

export function revokeReasonWords(reason: string | undefined): string {
  if (!reason) return 'ended';
  return REVOKE_REASON_WORDS[reason] ?? reason.replaceAll('_', ' ');
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : undefined);
const list = (v: unknown): string | undefined => (Array.isArray(v) ? v.map(String).join(', ') : undefined);
const utc = (iso: unknown): string => {
  const s = str(iso);
  if (!s) return 'later';
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
};
const via = (d: Record<string, unknown>) => (str(d['via']) ? ` (via ${str(d['via'])})` : '');

/**
 * One audit event as a sentence a person reads: who did what, with the figures that matter.
 * No JSON and no snake_case; an unknown kind still reads as words with its recorded fields.
 */
export function describeEvent(e: AuditEvent, r: AccessRequest): string {
  const d = e.data as Record<string, unknown>;
  const who = e.actor ?? 'The platform';
  switch (e.kind) {
    case 'requested':
      return `${who} asked for ${r.profile} access to ${r.target.clusterId} / ${r.target.database} for ${r.durationMinutes} min${via(d)}.`;
    case 'approved':
      if (d['extension']) return `${who} approved the extension${via(d)}; it needs another approval.`;
      return `${who} approved${str(d['approvals']) && str(d['required']) ? ` (${str(d['approvals'])} of ${str(d['required'])} approvals)` : ''}${via(d)}${str(d['comment']) ? `: “${str(d['comment'])}”` : '.'}`;
    case 'approval_refused':
      return `${who} tried to ${str(d['action']) ?? 'decide'} and was refused${via(d)}: ${str(d['reason']) ?? str(d['code']) ?? 'not allowed'}.`;
    case 'denied':
      return `${who} denied the request${via(d)}${str(d['reason']) ? `: “${str(d['reason'])}”` : '.'}`;
    case 'cancelled':
      return `${who} cancelled the request${via(d)}.`;
    case 'expired':
      return `Expired: nobody decided before ${utc(d['reviewExpiresAt'] ?? r.reviewExpiresAt)}.`;
    case 'provisioning_started':
      return 'Provisioning started.';
    case 'bastion_created': {
      const c = d['connect'] as { host?: unknown; port?: unknown } | undefined;
      return `Bastion ${str(d['bastionId']) ?? ''} ready${c && str(c.host) ? ` at ${str(c.host)}:${str(c.port) ?? '?'}` : ''}.`;
    }
    case 'secret_stored':
      return 'Password generated and kept in the secret store.';
    case 'user_created':
      return `Database user ${str(d['dbUser']) ?? ''} created on ${str(d['cluster']) ?? r.target.clusterId} / ${str(d['database']) ?? r.target.database}${list(d['privileges']) ? ` with ${list(d['privileges'])}` : ''}.`;
    case 'credentials_delivered':
      return `Connection details sent to ${str(d['to']) ?? r.requester.email}.`;
    case 'credentials_viewed':
      return d['refused'] ? `${who} asked to see the credentials and was refused (${str(d['refused'])}).` : `${who} opened the credentials${via(d)}.`;
    case 'activated':
      return `Access active until ${utc(d['endsAt'] ?? r.endsAt)}.`;
    case 'warned':
      return `End warning sent: access ends ${utc(d['endsAt'])}.`;
    case 'extension_requested':
      return `${who} asked for ${str(d['minutes']) ?? 'more'} more minutes${str(d['reason']) ? `: “${str(d['reason'])}”` : '.'}`;
    case 'extended':
      return `${who} extended the access: it now ends ${utc(d['endsAt'])} (was ${utc(d['previousEndsAt'])}).`;
    case 'extension_refused':
      return `Extension refused${str(d['reason']) ? `: ${str(d['reason'])}` : '.'}`;
    case 'revoke_started':
      return `Revocation started: ${revokeReasonWords(str(d['reason']))}${e.actor ? ` (${e.actor}${via(d)})` : ''}.`;
    case 'sessions_killed':
      return `${str(d['killed']) ?? 'The'} open session${d['killed'] === 1 ? '' : 's'} of ${str(d['dbUser']) ?? 'the user'} killed.`;
    case 'user_dropped':
      return `Database user ${str(d['dbUser']) ?? ''} dropped.`;
    case 'user_locked':
      return `Database user ${str(d['dbUser']) ?? ''} locked instead of dropped${str(d['why']) ? ` (${str(d['why'])})` : ''}.`;
    case 'bastion_removed':
      return `Bastion ${str(d['bastionId']) ?? ''} removed.`;
    case 'secret_deleted':
      return 'Password deleted from the secret store.';
    case 'revoked': {
      const lag = typeof d['lagMs'] === 'number' ? ` ${Math.round(d['lagMs'])} ms after the planned end` : '';
      return `Access gone: ${revokeReasonWords(str(d['reason']) ?? r.revokeReason)}${lag}.`;
    }
    case 'compensated':
      return `Everything created was removed${list(d['removed']) ? `: ${list(d['removed'])}` : ''}.`;
    case 'failed':
      return `Failed: ${str(d['reason']) ?? r.failureReason ?? 'see the logs'}.`;
    case 'orphan_removed':
      return `The sweep removed orphaned bastion ${str(d['bastionId']) ?? ''}.`;
    case 'note':
      if (d['action'] === 'end-now') return `${who} pressed End now in the dashboard.`;
      return `Note by ${who}: ${str(d['action'])?.replaceAll('-', ' ') ?? 'recorded'}.`;
    default: {
      const fields = Object.entries(d)
        .filter(([, v]) => str(v) !== undefined)
        .map(([k, v]) => `${k.replace(/([a-z])([A-Z])/g, '$1 $2').replaceAll('_', ' ').toLowerCase()} ${str(v)}`);
      return `${String(e.kind).replaceAll('_', ' ')}${e.actor ? ` by ${e.actor}` : ''}${fields.length ? `: ${fields.join(', ')}` : ''}.`;
    }
  }
}
