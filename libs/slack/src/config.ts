import { z } from 'zod';

const channelId = z.string().regex(/^[CG][A-Z0-9]{2,20}$/, 'a Slack channel id like C0123ABCD');

/**
 * Environment variables of the Slack integration, spread into an app's config schema. All are
 * optional: without a bot token and signing secret the platform runs without Slack (local outbox).
 */
export const slackEnv = {
  SLACK_BOT_TOKEN: z.string().regex(/^xox[bp]-/, 'a Slack bot token (xoxb-…)').optional().describe('the Slack app bot token (xoxb-…); unset = no Slack'),
  SLACK_SIGNING_SECRET: z.string().min(16).optional().describe("the Slack app's signing secret"),
  SLACK_API_URL: z.url().optional().describe('Slack Web API base URL; unset = https://slack.com/api/ (tests: the stand-in)'),
  SLACK_APPROVERS_CHANNEL: channelId.optional().describe('id of the private approvers channel'),
  SLACK_REQUESTS_CHANNEL: channelId.optional().describe('id of the public request channel (optional)'),
  SLACK_APPROVER_USERGROUP: z.string().regex(/^S[A-Z0-9]{2,20}$/).optional().describe('a Slack user group id (S…) whose members may approve'),
  SLACK_APPROVER_USERS: z
    .string()
    .regex(/^([UW][A-Z0-9]{2,20})(,[UW][A-Z0-9]{2,20})*$/)
    .optional()
    .describe('comma-separated Slack user ids who may approve'),
  SLACK_APPROVAL_API_URL: z
    .url()
    .optional()
    .describe('request-api only: base URL of approval-api (internal, or the ALB which routes /slack/approvals/* to it); Approve/Deny are forwarded to <url>/slack/approvals/interactions'),
  SLACK_SCHEMA_REVIEW_URL: z
    .url()
    .optional()
    .describe('request-api only: base URL of schema-review (internal, or the ALB which routes /slack/reviews/* to it); the /schema-review modal is forwarded to <url>/slack/reviews/interactions'),
  DASHBOARD_URL: z.url().optional().describe("public URL of ops-dashboard: Slack messages link to a request's page there"),
  SLACK_COMMAND: z.string().regex(/^\/[a-z0-9_-]{1,31}$/).default('/db-access').describe('the slash command name'),
};

export interface SlackSettings {
  botToken: string;
  signingSecret: string;
  apiUrl?: string;
  approversChannel?: string;
  requestsChannel?: string;
  approverUsergroup?: string;
  approverUsers: string[];
  command: string;
  /** request-api: where approver interactions are forwarded. */
  approvalApiUrl?: string;
  /** request-api: where the /schema-review modal's submissions are forwarded. */
  schemaReviewUrl?: string;
  /** The ops dashboard's public URL: messages link to the request's page. */
  dashboardUrl?: string;
}

/** The parsed Slack variables (an app config that spreads `slackEnv` satisfies it). */
const _slackEnvSchema = z.object(slackEnv);
export type SlackEnvConfig = z.output<typeof _slackEnvSchema>;

/** The Slack settings, or undefined when Slack is not configured (token or secret missing). */
export function slackSettings(config: SlackEnvConfig): SlackSettings | undefined {
  if (!config.SLACK_BOT_TOKEN || !config.SLACK_SIGNING_SECRET) return undefined;
  return {
    botToken: config.SLACK_BOT_TOKEN,
    signingSecret: config.SLACK_SIGNING_SECRET,
    ...(config.SLACK_API_URL ? { apiUrl: config.SLACK_API_URL } : {}),
    ...(config.SLACK_APPROVERS_CHANNEL ? { approversChannel: config.SLACK_APPROVERS_CHANNEL } : {}),
    ...(config.SLACK_REQUESTS_CHANNEL ? { requestsChannel: config.SLACK_REQUESTS_CHANNEL } : {}),
    ...(config.SLACK_APPROVER_USERGROUP ? { approverUsergroup: config.SLACK_APPROVER_USERGROUP } : {}),
    approverUsers: config.SLACK_APPROVER_USERS ? config.SLACK_APPROVER_USERS.split(',') : [],
    ...(config.SLACK_APPROVAL_API_URL ? { approvalApiUrl: config.SLACK_APPROVAL_API_URL } : {}),
    ...(config.SLACK_SCHEMA_REVIEW_URL ? { schemaReviewUrl: config.SLACK_SCHEMA_REVIEW_URL } : {}),
    ...(config.DASHBOARD_URL ? { dashboardUrl: config.DASHBOARD_URL } : {}),
    command: config.SLACK_COMMAND,
  };
}
