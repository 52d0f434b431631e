/**
 * Inline suppressions, written in a SQL comment before or inside a statement:
 *   -- review:disable safety-truncate,safety-drop-table staging table, refilled nightly
 *   -- review:disable-file column-require-comment legacy schema, comments tracked in JIRA-12
 * The first word lists rule ids (comma separated, `all` for every rule); the rest is the reason.
 */
export interface Suppression {
  ids: string[];
  reason: string;
  scope: 'statement' | 'file';
  /** The comment, for error messages. */
  comment: string;
}

const MARK = /review:disable(-file)?(?:\s+([^\s]+))?(?:\s+([\s\S]*))?$/;

export function parseSuppression(comment: string): Suppression | undefined {
  const body = comment.replace(/^(--|#|\/\*)\s*/, '').replace(/\*\/\s*$/, '').trim();
  const at = body.indexOf('review:disable');
  if (at < 0) return undefined;
  const m = MARK.exec(body.slice(at));
  if (!m) return undefined;
  const ids = (m[2] ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  return { ids, reason: (m[3] ?? '').trim().replace(/^(--|:|-)\s*/, ''), scope: m[1] ? 'file' : 'statement', comment: comment.trim() };
}

export function suppressionsIn(comments: readonly string[]): Suppression[] {
  const out: Suppression[] = [];
  for (const c of comments) {
    if (!c.includes('review:disable')) continue;
    const s = parseSuppression(c);
    if (s) out.push(s);
  }
  return out;
}

export function findSuppression(list: readonly Suppression[], ruleId: string): Suppression | undefined {
  return list.find((s) => s.ids.includes(ruleId) || s.ids.includes('all'));
}
