import type { ModalView } from '@slack/types';
import { VIEWS } from '@dbre/slack';
import type { Dialect } from '../run-review';

/** Slack caps a plain_text_input at 3,000 characters: longer migrations go through the CLI or REST. */
export const MODAL_MAX_DDL = 3000;

/** Block ids of the modal's inputs; each input's action id is the same as its block id. */
export const REVIEW_FIELDS = { ddl: 'ddl', dialect: 'dialect', cluster: 'cluster', schema: 'schema', channel: 'channel' } as const;

const text = (t: string) => ({ type: 'plain_text' as const, text: t, emoji: false });
const MYSQL80 = { value: 'mysql80' as Dialect, label: 'MySQL 8.0 / Aurora MySQL 3' };
const DIALECTS: Array<{ value: Dialect; label: string }> = [
  MYSQL80,
  { value: 'mysql57', label: 'MySQL 5.7 / Aurora MySQL 2' },
  { value: 'mariadb', label: 'MariaDB' },
];

/** The `/schema-review` modal: DDL, dialect, optional cluster/schema, where to post (empty = DM). */
export function reviewModal(input: { initialDdl?: string; channel?: string | undefined; defaultDialect: Dialect }): ModalView {
  const dialect = DIALECTS.find((d) => d.value === input.defaultDialect) ?? MYSQL80;
  return {
    type: 'modal',
    callback_id: VIEWS.schemaReview,
    title: text('Schema review'),
    submit: text('Review'),
    close: text('Cancel'),
    private_metadata: JSON.stringify({ channel: input.channel ?? '' }),
    blocks: [
      {
        type: 'input',
        block_id: REVIEW_FIELDS.ddl,
        label: text('DDL'),
        hint: text(`Paste the migration (up to ${MODAL_MAX_DDL} characters). Longer files: the CLI or POST /v1/reviews.`),
        element: {
          type: 'plain_text_input',
          action_id: REVIEW_FIELDS.ddl,
          multiline: true,
          max_length: MODAL_MAX_DDL,
          ...(input.initialDdl ? { initial_value: input.initialDdl.slice(0, MODAL_MAX_DDL) } : {}),
          placeholder: text('ALTER TABLE orders ADD COLUMN note varchar(255) NOT NULL DEFAULT \'\' COMMENT \'…\';'),
        },
      },
      {
        type: 'input',
        block_id: REVIEW_FIELDS.dialect,
        label: text('Server'),
        element: {
          type: 'static_select',
          action_id: REVIEW_FIELDS.dialect,
          options: DIALECTS.map((d) => ({ text: text(d.label), value: d.value })),
          initial_option: { text: text(dialect.label), value: dialect.value },
        },
      },
      {
        type: 'input',
        block_id: REVIEW_FIELDS.cluster,
        optional: true,
        label: text('Cluster'),
        hint: text('With a schema: compare with the live database (last doc-crawler snapshot).'),
        element: { type: 'plain_text_input', action_id: REVIEW_FIELDS.cluster, max_length: 63, placeholder: text('shop-prod') },
      },
      {
        type: 'input',
        block_id: REVIEW_FIELDS.schema,
        optional: true,
        label: text('Schema'),
        element: { type: 'plain_text_input', action_id: REVIEW_FIELDS.schema, max_length: 64, placeholder: text('shop') },
      },
      {
        type: 'input',
        block_id: REVIEW_FIELDS.channel,
        optional: true,
        label: text('Post the result in'),
        hint: text('A channel the bot is in; empty = a direct message to you.'),
        element: {
          type: 'conversations_select',
          action_id: REVIEW_FIELDS.channel,
          filter: { include: ['public', 'private'] },
          ...(input.channel && /^[CG]/.test(input.channel) ? { initial_conversation: input.channel } : {}),
        },
      },
    ],
  };
}

/** Slack sends a command's text with &, <, > as HTML entities: give the DDL back as typed. */
export function commandText(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

export interface ReviewModalValues {
  ddl: string;
  dialect?: Dialect;
  cluster?: string;
  schema?: string;
  channel?: string;
}

type StateValues = Record<string, Record<string, { value?: string | null; selected_option?: { value: string } | null; selected_conversation?: unknown }>>;

/** Reads a submission and checks it; `errors` are shown under each field (block id → message). */
export function readReviewModal(values: StateValues): { values: ReviewModalValues; errors: Record<string, string> } {
  const field = (id: string) => values[id]?.[id];
  const plain = (id: string) => field(id)?.value?.trim() || undefined;
  const ddl = field(REVIEW_FIELDS.ddl)?.value ?? '';
  const dialect = field(REVIEW_FIELDS.dialect)?.selected_option?.value;
  const cluster = plain(REVIEW_FIELDS.cluster);
  const schema = plain(REVIEW_FIELDS.schema);
  const conversation = field(REVIEW_FIELDS.channel)?.selected_conversation;
  const errors: Record<string, string> = {};
  if (!ddl.trim()) errors[REVIEW_FIELDS.ddl] = 'Paste the DDL to review.';
  if (cluster && !/^[a-z][a-z0-9-]{1,62}$/.test(cluster)) errors[REVIEW_FIELDS.cluster] = 'A cluster id: lower-case letters, digits and dashes.';
  if (schema && !/^[A-Za-z0-9_$]{1,64}$/.test(schema)) errors[REVIEW_FIELDS.schema] = 'A schema name: letters, digits, _ and $.';
  if (cluster && !schema) errors[REVIEW_FIELDS.schema] = 'Give the schema too, or clear the cluster.';
  if (schema && !cluster) errors[REVIEW_FIELDS.cluster] = 'Give the cluster too, or clear the schema.';
  return {
    values: {
      ddl,
      ...(dialect === 'mysql80' || dialect === 'mysql57' || dialect === 'mariadb' ? { dialect } : {}),
      ...(cluster ? { cluster } : {}),
      ...(schema ? { schema } : {}),
      ...(typeof conversation === 'string' && /^[CGD][A-Z0-9]{2,20}$/.test(conversation) ? { channel: conversation } : {}),
    },
    errors,
  };
}
