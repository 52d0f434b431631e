import type { InputBlock, KnownBlock, ModalView, PlainTextElement, PlainTextOption } from '@slack/types';
import { ACTIONS, formatDuration, VIEWS, type ClusterChoice, type Environment } from './model';

/** Block and action ids of the request modal's inputs (the submission is read by these). */
export const REQUEST_FIELDS = {
  cluster: 'cluster',
  database: 'database',
  profile: 'profile',
  duration: 'duration',
  reason: 'reason',
  ticket: 'ticket',
  startAt: 'start_at',
} as const;

export interface RequestModalInput {
  clusters: ClusterChoice[];
  profiles: Array<{ name: string; description?: string }>;
  /** Durations (minutes) the policy allows, per environment. */
  durations: Record<Environment, number[]>;
  /** The environment's default duration, pre-selected once a cluster is picked. */
  defaults?: Partial<Record<Environment, number>>;
  /** Set after the engineer picks a cluster: only that environment's durations are offered. */
  selected?: { clusterId: string; environment: Environment };
  /** Round-tripped to the submission (e.g. the channel the command came from). */
  privateMetadata?: string;
  /** The database is picked from the cluster's documented databases (external select) instead of typed. */
  databaseMenu?: boolean;
}

const ENV_LABEL: Record<Environment, string> = { dev: 'Development', stg: 'Staging', prod: 'Production' };
const ENV_ORDER: Environment[] = ['dev', 'stg', 'prod'];

const text = (t: string) => ({ type: 'plain_text' as const, text: t.slice(0, 75), emoji: false });

function durationOptions(input: RequestModalInput): PlainTextOption[] {
  const minutes = input.selected
    ? input.durations[input.selected.environment]
    : [...new Set(ENV_ORDER.flatMap((e) => input.durations[e]))].sort((a, b) => a - b);
  return minutes.map((m) => ({ text: text(formatDuration(m)), value: String(m) }));
}

/** Slack shows at most 100 options in a menu: the search narrows past that. */
const MENU_LIMIT = 100;

/**
 * The cluster menu's options for what the person typed (`block_suggestion`): grouped by
 * environment, names containing the text (case-insensitive), at most 100 in all. A fleet of
 * hundreds of clusters is reachable by typing, none is silently dropped.
 */
export function clusterOptions(clusters: ClusterChoice[], typed: string): { option_groups: Array<{ label: PlainTextElement; options: PlainTextOption[] }> } {
  const q = typed.trim().toLowerCase();
  let room = MENU_LIMIT;
  const option_groups = ENV_ORDER.map((env) => {
    const matches = clusters
      .filter((c) => c.environment === env && (!q || c.id.toLowerCase().includes(q) || (c.description ?? '').toLowerCase().includes(q)))
      .sort((a, b) => a.id.localeCompare(b.id))
      .slice(0, room);
    room -= matches.length;
    return { label: text(ENV_LABEL[env]), options: matches.map((c) => ({ text: text(c.id), value: c.id, ...(c.description ? { description: text(c.description) } : {}) })) };
  }).filter((g) => g.options.length > 0);
  return { option_groups };
}

/** A database name as the platform accepts it (domain's databaseName). */
const DATABASE = /^(\*|[A-Za-z0-9_][A-Za-z0-9_$-]{0,63})$/;

/**
 * The database menu's options: the cluster's databases from the latest docs snapshot containing
 * what was typed, `*` for every database, and — when the snapshot does not know the name typed
 * (a database created since the last crawl, or no snapshot yet) — that name, marked as unchecked.
 */
export function databaseOptions(known: string[] | undefined, typed: string): { options: PlainTextOption[] } {
  const q = typed.trim();
  const matches = (known ?? []).filter((d) => d.toLowerCase().includes(q.toLowerCase())).slice(0, MENU_LIMIT - 2);
  const options: PlainTextOption[] = matches.map((d) => ({ text: text(d), value: d }));
  if (q && DATABASE.test(q) && q !== '*' && !matches.includes(q)) {
    options.unshift({ text: text(`${q} (${known ? 'not in the latest docs' : 'no docs snapshot to check'})`), value: q });
  }
  if (!q || '*'.includes(q) || 'every database'.includes(q.toLowerCase())) options.push({ text: text('* (every database of the cluster)'), value: '*' });
  return { options };
}

/** The `/db-access` modal: a searchable cluster menu, profile, duration (the default pre-selected), database, reason. */
export function requestModal(input: RequestModalInput): ModalView {
  const selectedCluster = input.selected ? input.clusters.find((c) => c.id === input.selected?.clusterId) : undefined;
  const cluster: InputBlock = {
    type: 'input',
    block_id: REQUEST_FIELDS.cluster,
    dispatch_action: true,
    label: text('Cluster'),
    hint: text('Type part of a name to search every cluster'),
    element: {
      // Options come from request-api as the person types (block_suggestion), grouped by environment.
      type: 'external_select',
      action_id: ACTIONS.clusterSelect,
      placeholder: text('Choose or search a cluster'),
      min_query_length: 0,
      ...(selectedCluster ? { initial_option: { text: text(selectedCluster.id), value: selectedCluster.id } } : {}),
    },
  };
  const defaultMinutes = input.selected ? input.defaults?.[input.selected.environment] : undefined;
  const durationChoices = durationOptions(input);
  const initialDuration = defaultMinutes !== undefined ? durationChoices.find((o) => o.value === String(defaultMinutes)) : undefined;
  const blocks: KnownBlock[] = [
    cluster,
    input.databaseMenu
      ? {
          type: 'input',
          block_id: REQUEST_FIELDS.database,
          label: text('Database'),
          hint: text("The cluster's databases from the latest docs; * for every database"),
          // Options come from request-api (block_suggestion), for the cluster chosen above.
          element: { type: 'external_select', action_id: REQUEST_FIELDS.database, placeholder: text('Choose or search a database'), min_query_length: 0 },
        }
      : {
          type: 'input',
          block_id: REQUEST_FIELDS.database,
          label: text('Database'),
          hint: text('A database (schema) name, or * for every database of the cluster'),
          element: { type: 'plain_text_input', action_id: REQUEST_FIELDS.database, max_length: 64, placeholder: text('e.g. orders') },
        },
    {
      type: 'input',
      block_id: REQUEST_FIELDS.profile,
      label: text('Permission'),
      element: {
        type: 'static_select',
        action_id: REQUEST_FIELDS.profile,
        placeholder: text('Choose a permission profile'),
        options: input.profiles.map((p) => ({ text: text(p.name), value: p.name, ...(p.description ? { description: text(p.description) } : {}) })),
      },
    },
    {
      type: 'input',
      block_id: REQUEST_FIELDS.duration,
      label: text('Duration'),
      hint: text(input.selected ? `What policy allows in ${ENV_LABEL[input.selected.environment].toLowerCase()}` : 'Pick a cluster first to see what its environment allows'),
      element: { type: 'static_select', action_id: REQUEST_FIELDS.duration, placeholder: text('How long'), options: durationChoices, ...(initialDuration ? { initial_option: initialDuration } : {}) },
    },
    {
      type: 'input',
      block_id: REQUEST_FIELDS.reason,
      label: text('Reason'),
      hint: text('At least 10 characters; a ticket URL helps the approver'),
      element: { type: 'plain_text_input', action_id: REQUEST_FIELDS.reason, multiline: true, min_length: 10, max_length: 1000 },
    },
    {
      type: 'input',
      block_id: REQUEST_FIELDS.ticket,
      optional: true,
      label: text('Ticket'),
      hint: text('Requests of one change with the same ticket can be approved together'),
      element: { type: 'url_text_input', action_id: REQUEST_FIELDS.ticket, placeholder: text('https://jira.example.com/browse/OPS-123') },
    },
    {
      type: 'input',
      block_id: REQUEST_FIELDS.startAt,
      optional: true,
      label: text('Start at'),
      hint: text('Leave empty to start when approved; a later time (e.g. a maintenance window) starts then'),
      element: { type: 'datetimepicker', action_id: REQUEST_FIELDS.startAt },
    },
  ];
  return {
    type: 'modal',
    callback_id: VIEWS.request,
    title: text('Database access'),
    submit: text('Request'),
    close: text('Cancel'),
    ...(input.privateMetadata ? { private_metadata: input.privateMetadata } : {}),
    blocks,
  };
}

/** The values of a submitted request modal, as Slack's `view.state.values` carries them. */
export interface RequestModalValues {
  clusterId?: string;
  database?: string;
  profile?: string;
  durationMinutes?: number;
  reason?: string;
  ticketUrl?: string;
  /** ISO time, from the date-time picker (Unix seconds). */
  startAt?: string;
}

type StateValues = Record<string, Record<string, { type: string; value?: string | null; selected_option?: { value: string } | null; selected_date_time?: number | null }>>;

export function readRequestModal(values: StateValues): RequestModalValues {
  const pick = (block: string, action: string) => {
    const v = values[block]?.[action];
    return v?.selected_option?.value ?? v?.value ?? undefined;
  };
  const duration = pick(REQUEST_FIELDS.duration, REQUEST_FIELDS.duration);
  const out: RequestModalValues = {};
  const clusterId = pick(REQUEST_FIELDS.cluster, ACTIONS.clusterSelect);
  const database = pick(REQUEST_FIELDS.database, REQUEST_FIELDS.database)?.trim();
  const profile = pick(REQUEST_FIELDS.profile, REQUEST_FIELDS.profile);
  const reason = pick(REQUEST_FIELDS.reason, REQUEST_FIELDS.reason)?.trim();
  if (clusterId) out.clusterId = clusterId;
  if (database) out.database = database;
  if (profile) out.profile = profile;
  if (duration && /^\d+$/.test(duration)) out.durationMinutes = Number(duration);
  if (reason) out.reason = reason;
  const ticket = pick(REQUEST_FIELDS.ticket, REQUEST_FIELDS.ticket)?.trim();
  if (ticket) out.ticketUrl = ticket;
  const start = values[REQUEST_FIELDS.startAt]?.[REQUEST_FIELDS.startAt]?.selected_date_time;
  if (typeof start === 'number' && Number.isFinite(start)) out.startAt = new Date(start * 1000).toISOString();
  return out;
}

/** Maps field problems to Slack's inline errors (`response_action: errors`), by block id. */
export function modalErrors(problems: Partial<Record<keyof typeof REQUEST_FIELDS, string>>): { response_action: 'errors'; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  for (const [field, message] of Object.entries(problems)) {
    if (message) errors[REQUEST_FIELDS[field as keyof typeof REQUEST_FIELDS]] = message.slice(0, 150);
  }
  return { response_action: 'errors', errors };
}
