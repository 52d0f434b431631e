import type { ModalView } from '@slack/types';
import { formatDuration, VIEWS } from '@dbre/slack';

/** Extend asks for more time; an approver must approve it like a new request. */
export function extendModal(input: { requestId: string; clusterId: string; database: string; choices: number[] }): ModalView {
  const plain = (text: string) => ({ type: 'plain_text' as const, text });
  return {
    type: 'modal',
    callback_id: VIEWS.extend,
    title: plain('Extend access'),
    submit: plain('Ask approvers'),
    close: plain('Back'),
    private_metadata: JSON.stringify({ requestId: input.requestId }),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `Extend \`${input.clusterId}\` / \`${input.database}\`. An approver must approve the extension.` } },
      {
        type: 'input',
        block_id: 'minutes',
        label: plain('More time'),
        element: { type: 'static_select', action_id: 'minutes', options: input.choices.map((m) => ({ text: plain(formatDuration(m)), value: String(m) })) },
      },
      { type: 'input', block_id: 'reason', optional: true, label: plain('Why'), element: { type: 'plain_text_input', action_id: 'reason', max_length: 1000 } },
    ],
  };
}
