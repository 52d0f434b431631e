import { z } from 'zod';
import { ENVIRONMENTS, type AccessRequest, type Environment } from './access-request';

/*
 * Fewer asks of approvers (issue #15): requests a policy rule approves at creation, and reminders
 * to approvers of a request still waiting. The schemas are parts of the `access:` section
 * (policy.ts); the checks that need the whole policy (profiles, groups) live there too.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day HH:MM (24 h), e.g. 08:30');

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Words people write for "every environment": refused, because every environment includes prod. */
const WILDCARDS = new Set(['*', 'all', 'any', 'every']);

const environmentList = z.preprocess(
  (v) => (typeof v === 'string' ? [v] : v),
  z
    .array(z.string())
    .min(1, 'name at least one environment')
    .superRefine((list, ctx) => {
      for (const e of list) {
        if (WILDCARDS.has(e.trim().toLowerCase())) {
          ctx.addIssue({ code: 'custom', message: `"${e}" is a wildcard and would include prod; name each environment (prod only when you mean it)` });
        } else if (!(ENVIRONMENTS as readonly string[]).includes(e)) {
          ctx.addIssue({ code: 'custom', message: `unknown environment "${e}"; one of ${ENVIRONMENTS.join(', ')}` });
        }
      }
    })
    .transform((list) => list as Environment[]),
);

export const autoApproveRuleSchema = z
  .object({
    /** Recorded as the approver: `policy:<id>`. */
    id: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'lower-case letters, digits or -, up to 40 chars, starting with a letter'),
    description: z.string().max(500).optional(),
    /** Explicit list; prod only when written here. */
    environments: environmentList,
    /** Permission profiles the rule approves (e.g. [read]). */
    profiles: z.array(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/)).min(1),
    /** Longest duration the rule approves, in policy minutes. */
    maxMinutes: z.number().int().positive(),
    /** Only these databases; any application database when absent. `*` (every database) is never auto-approved. */
    databases: z
      .array(z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_$-]{0,63}$/, 'a database name; * (every database) is never auto-approved'))
      .min(1)
      .optional(),
    /** Only when the request is made within these hours (start inclusive, end exclusive; may wrap past midnight). */
    hours: z
      .object({
        timeZone: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Paris or UTC'),
        days: z.array(z.enum(WEEKDAYS)).min(1).default([...WEEKDAYS]),
        from: hhmm,
        to: hhmm,
      })
      .strict()
      .refine((h) => h.from !== h.to, { message: 'from and to must differ' })
      .optional(),
    /** Only for members of one of these groups (the policy's `groups`). */
    requesterGroups: z.array(z.string().regex(/^[a-z0-9_-]+$/)).min(1).optional(),
  })
  .strict();
export type AutoApproveRule = z.output<typeof autoApproveRuleSchema>;

export const renotifySchema = z
  .object({
    /** First reminder this many policy minutes after the request. */
    afterMinutes: z.number().int().positive(),
    /** Each next wait is the previous one times this (1 = a constant interval). */
    backoff: z.number().min(1).max(10).default(2),
    /** At most this many reminders. */
    max: z.number().int().min(1).max(20),
    /** From this reminder on (default: the last), it also goes to another channel and/or user group. */
    escalateTo: z
      .object({
        attempt: z.number().int().min(1).optional(),
        channel: z.string().regex(/^[CG][A-Z0-9]{2,20}$/, 'a Slack channel id like C0123ABCD').optional(),
        userGroup: z.string().regex(/^S[A-Z0-9]{2,20}$/, 'a Slack user group id like S0123ABCD').optional(),
      })
      .strict()
      .refine((e) => e.channel !== undefined || e.userGroup !== undefined, { message: 'give a channel, a userGroup or both' })
      .optional(),
  })
  .strict()
  .refine((r) => r.escalateTo?.attempt === undefined || r.escalateTo.attempt <= r.max, { message: 'escalateTo.attempt must not exceed max', path: ['escalateTo', 'attempt'] });
export type RenotifyPolicy = z.output<typeof renotifySchema>;

/** What matching needs from the policy (a structural subset of AccessPolicy). */
export interface AutoApprovalPolicy {
  autoApprove: readonly AutoApproveRule[];
  groups: Record<string, string[]>;
}

type Candidate = Pick<AccessRequest, 'target' | 'profile' | 'durationMinutes' | 'requester' | 'requestedAt'>;

/** Weekday and minutes since midnight of an instant in a time zone. */
function localTime(at: Date, timeZone: string): { day: Weekday; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const day = get('weekday').slice(0, 3).toLowerCase() as Weekday;
  return { day, minutes: Number(get('hour')) * 60 + Number(get('minute')) };
}

const toMinutes = (hm: string) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5));

/** Is `at` inside the rule's hours? A window wrapping past midnight belongs to the day it starts. */
export function withinHours(hours: NonNullable<AutoApproveRule['hours']>, at: Date): boolean {
  const { day, minutes } = localTime(at, hours.timeZone);
  const from = toMinutes(hours.from);
  const to = toMinutes(hours.to);
  if (from < to) return hours.days.includes(day) && minutes >= from && minutes < to;
  if (minutes >= from) return hours.days.includes(day);
  if (minutes < to) return hours.days.includes(WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7] ?? day);
  return false;
}

function isMember(policy: AutoApprovalPolicy, group: string, requester: Candidate['requester']): boolean {
  const members = Object.hasOwn(policy.groups, group) ? (policy.groups[group] ?? []) : [];
  const email = requester.email.toLowerCase();
  return members.some((m) => m.toLowerCase() === email || (requester.slackUserId !== undefined && m === requester.slackUserId));
}

/** Why a rule does not approve a request, or undefined when it does. */
export function autoApproveMismatch(policy: AutoApprovalPolicy, rule: AutoApproveRule, request: Candidate): string | undefined {
  if (!rule.environments.includes(request.target.environment)) return `environment ${request.target.environment} is not in ${rule.environments.join(', ')}`;
  if (!rule.profiles.includes(request.profile)) return `profile ${request.profile} is not in ${rule.profiles.join(', ')}`;
  if (request.durationMinutes > rule.maxMinutes) return `${request.durationMinutes} min is over the rule's ${rule.maxMinutes} min`;
  const db = request.target.database;
  if (db === '*' || ['mysql', 'sys', 'information_schema', 'performance_schema'].includes(db.toLowerCase())) return `${db} is a system target`;
  if (rule.databases && !rule.databases.includes(db)) return `database ${db} is not in ${rule.databases.join(', ')}`;
  if (rule.hours && !withinHours(rule.hours, new Date(request.requestedAt))) return `requested outside ${rule.hours.from}-${rule.hours.to} ${rule.hours.timeZone}`;
  if (rule.requesterGroups && !rule.requesterGroups.some((g) => isMember(policy, g, request.requester))) return `the requester is in none of ${rule.requesterGroups.join(', ')}`;
  return undefined;
}

/**
 * The first rule (in file order) that approves the request, judged at the time it was made, so
 * the sweep resuming an interrupted creation decides exactly as creation would have.
 */
export function matchAutoApproval(policy: AutoApprovalPolicy, request: Candidate): AutoApproveRule | undefined {
  return policy.autoApprove.find((rule) => autoApproveMismatch(policy, rule, request) === undefined);
}

/** The audit actor of a rule: a policy, never a person. */
export function policyActor(ruleId: string): string {
  return `policy:${ruleId}`;
}

/**
 * When reminder `attempt` (1-based) is due, in policy minutes after the request: afterMinutes,
 * then each wait `backoff` times the previous (10, 20, 40 … for afterMinutes 10, backoff 2).
 */
export function renotifyOffsetMinutes(renotify: RenotifyPolicy, attempt: number): number {
  let total = 0;
  let wait = renotify.afterMinutes;
  for (let i = 1; i <= attempt; i++) {
    total += wait;
    wait *= renotify.backoff;
  }
  return total;
}

/** The attempt from which reminders escalate (default: the last one). */
export function escalationAttempt(renotify: RenotifyPolicy): number | undefined {
  if (!renotify.escalateTo) return undefined;
  return renotify.escalateTo.attempt ?? renotify.max;
}
