/**
 * Notification kinds the Slack notifier renders with Block Kit. Producers (provisioner, reaper,
 * the APIs) may use any of the aliases; anything else is delivered as its plain text.
 */
export type CanonicalKind =
  | 'requested'
  | 'approved'
  | 'denied'
  | 'cancelled'
  | 'expired'
  | 'credentials'
  | 'warning'
  | 'extended'
  | 'extension-requested'
  | 'ended'
  | 'failed'
  | 'auto-approved'
  | 'reminder'
  | 'ephemeral'
  | 'message-update'
  | 'other';

const ALIASES: Record<string, CanonicalKind> = {
  requested: 'requested',
  created: 'requested',
  review: 'requested',
  approved: 'approved',
  approval: 'approved',
  denied: 'denied',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  expired: 'expired',
  credentials: 'credentials',
  active: 'credentials',
  warning: 'warning',
  warn: 'warning',
  warned: 'warning',
  extended: 'extended',
  'extension-requested': 'extension-requested',
  extension_requested: 'extension-requested',
  'extension-review': 'extension-requested',
  ephemeral: 'ephemeral',
  'message-update': 'message-update',
  ended: 'ended',
  end: 'ended',
  revoked: 'ended',
  failed: 'failed',
  'auto-approved': 'auto-approved',
  auto_approved: 'auto-approved',
  reminder: 'reminder',
  renotified: 'reminder',
};

/** `request.created`, `access-credentials`, `WARN` … → the canonical kind. */
export function canonicalKind(kind: string): CanonicalKind {
  const k = kind.toLowerCase();
  const last = k.split(/[.:/]/).at(-1) ?? k;
  return ALIASES[k] ?? ALIASES[last] ?? ALIASES[last.replace(/^(access|request|grant)[-_]/, '')] ?? 'other';
}
