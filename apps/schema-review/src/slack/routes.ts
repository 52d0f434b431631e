import type { WebClient } from '@slack/web-api';
import { renderReviewBlocks, type ReviewResult } from '@dbre/review';
import type { HttpApp, Logger } from '@dbre/service-kit';
import { escapeText, parseInteraction, registerSlackInbound, SLACK_REVIEWS_PREFIX, slashCommandSchema, toSlackError, VIEWS, type ReplayCache, type ViewSubmission } from '@dbre/slack';
import type { SchemaReviewDeps } from '../app';
import type { ReviewStore } from '../review-store';
import { runReview } from '../run-review';
import { commandText, readReviewModal, reviewModal, type ReviewModalValues } from './modal';

/** What schema-review needs from the one Slack app (built in main.ts from the slackEnv fragment). */
export interface ReviewSlack {
  signingSecret: string;
  replayCache: ReplayCache;
  /** views.open within Slack's 3 s: no retries, 2.5 s timeout. */
  ui: WebClient;
  /** chat.postMessage: short retries. */
  client: WebClient;
  /** The ops dashboard's public URL: the findings thread links to the stored review's page. */
  dashboardUrl?: string | undefined;
}

export interface ReviewSlackDeps {
  slack: ReviewSlack;
  review: SchemaReviewDeps['review'];
  store?: ReviewStore | undefined;
  logger: Logger;
}

/** Slack cannot post in these without the bot being invited: the result goes to the DM instead. */
const CHANNEL_REFUSALS = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action']);

/**
 * `/schema-review` (served here: the manifest points the command at /slack/reviews/commands)
 * opens a modal; its submission reaches request-api (the app's one interactivity URL), which
 * forwards it here by callback id. The submission is acknowledged at once; the review runs
 * after, and its result is posted as a summary message with the findings in its thread.
 */
export async function registerReviewSlackRoutes(app: HttpApp, deps: ReviewSlackDeps): Promise<void> {
  const { slack, logger } = deps;
  const inflight = new Set<Promise<void>>();
  // A review acknowledged to Slack is finished (posted) before the service stops.
  app.addHook('onClose', async () => {
    await Promise.allSettled([...inflight]);
  });

  await registerSlackInbound(app, { signingSecret: slack.signingSecret, replayCache: slack.replayCache, prefix: SLACK_REVIEWS_PREFIX }, (scope) => {
    scope.post('/commands', { schema: { hide: true } }, async (request, reply) => {
      const cmd = slashCommandSchema.parse(request.body);
      if (cmd.text.trim().toLowerCase() === 'help') {
        return {
          response_type: 'ephemeral',
          text: `\`${cmd.command}\` opens a form: paste DDL, optionally name a cluster and schema to compare with the live database, and pick where to post. The findings arrive in a thread, grouped by severity. \`${cmd.command} <DDL>\` fills the form with that DDL.`,
        };
      }
      // The trigger id expires after 3 seconds: open the modal now.
      try {
        await slack.ui.views.open({ trigger_id: cmd.trigger_id, view: reviewModal({ initialDdl: commandText(cmd.text.trim()), channel: cmd.channel_id, defaultDialect: deps.review.config.dialect }) });
      } catch (err) {
        logger.warn({ err: toSlackError(err, 'views.open') }, 'could not open the schema review modal');
        return { response_type: 'ephemeral', text: 'Slack did not open the review form in time; please run the command again.' };
      }
      return reply.status(200).send();
    });

    scope.post('/interactions', { schema: { hide: true } }, async (request, reply) => {
      const payload = parseInteraction(request.body);
      if (payload.type !== 'view_submission' || payload.view.callback_id !== VIEWS.schemaReview) return reply.status(200).send();
      const { values, errors } = readReviewModal(payload.view.state.values);
      if (Object.keys(errors).length) return { response_action: 'errors', errors };
      // A second submission of the same view state (double click, resend) is reviewed once.
      if (!(await slack.replayCache.claim(`view:${payload.view.id}:${payload.view.hash ?? ''}`))) return { response_action: 'clear' };
      const job = reviewAndPost(payload, values).catch((err: unknown) => {
        logger.error({ err: { message: (err as Error).message }, slackUserId: payload.user.id }, 'could not post a schema review to Slack');
      });
      inflight.add(job);
      void job.finally(() => inflight.delete(job));
      return { response_action: 'clear' };
    });
  });

  async function reviewAndPost(payload: ViewSubmission, values: ReviewModalValues): Promise<void> {
    const user = payload.user.id;
    const outcome = await runReview(deps.review, { sql: values.ddl, dialect: values.dialect, cluster: values.cluster, schema: values.schema });
    const target = values.channel ?? user;
    if (!outcome.ok) {
      await post(target, user, { text: `:warning: Schema review for <@${user}> could not run: ${escapeText(outcome.refusal.detail)}` });
      return;
    }
    const { result } = outcome;
    logger.info({ statements: result.summary.statements, errors: result.summary.errors, warnings: result.summary.warnings, context: result.context.status, slackUserId: user }, 'review done (Slack)');
    const dialect = values.dialect ?? deps.review.config.dialect;
    const storedId = await deps.store?.save({ source: 'slack', sql: values.ddl, result, dialect, cluster: values.cluster, schema: values.schema, author: `slack:${user}` });
    const summary = summaryText(result, user, values);
    const where = await post(target, user, { text: summary, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: summary } }] });
    const fullReviewUrl = storedId && slack.dashboardUrl ? `${slack.dashboardUrl.replace(/\/$/, '')}/reviews/${encodeURIComponent(storedId)}` : undefined;
    const blocks = renderReviewBlocks(result, { title: 'Schema review', dialect, ...(fullReviewUrl ? { fullReviewUrl } : {}) });
    await slack.client.chat.postMessage({ channel: where.channel, thread_ts: where.ts, text: summary, blocks });
  }

  /** Posts in the chosen channel, or in the person's DM when the bot may not post there. */
  async function post(channel: string, user: string, message: { text: string; blocks?: Array<{ type: 'section'; text: { type: 'mrkdwn'; text: string } }> }): Promise<{ channel: string; ts: string }> {
    try {
      const res = await slack.client.chat.postMessage({ channel, ...message });
      return { channel: res.channel ?? channel, ts: String(res.ts) };
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error;
      if (channel === user || !code || !CHANNEL_REFUSALS.has(code)) throw toSlackError(err, 'chat.postMessage');
      logger.warn({ code }, 'could not post the review in the chosen channel; sending it as a DM');
      const note = `_I could not post in <#${channel}> (${code}): invite me there, or leave the channel empty._\n`;
      const res = await slack.client.chat.postMessage({ channel: user, text: `${note}${message.text}`, ...(message.blocks ? { blocks: [{ type: 'section', text: { type: 'mrkdwn', text: note } }, ...message.blocks] } : {}) });
      return { channel: res.channel ?? user, ts: String(res.ts) };
    }
  }
}

function summaryText(result: ReviewResult, user: string, values: ReviewModalValues): string {
  const s = result.summary;
  const icon = s.errors ? ':x:' : s.warnings ? ':warning:' : ':white_check_mark:';
  const against = values.cluster && values.schema ? ` against \`${values.cluster}/${values.schema}\`` : '';
  return `${icon} Schema review for <@${user}>${against}: *${s.errors}* error(s), *${s.warnings}* warning(s), *${s.infos}* info in ${s.statements} statement(s)${s.unparsed ? ` (${s.unparsed} unreadable)` : ''}. Findings in the thread.`;
}
