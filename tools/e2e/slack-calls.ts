import type { RecordedCall } from '../slack-stand-in/src';

export type Block = { type: string; elements?: Array<{ action_id?: string; value?: string }>; [k: string]: unknown };

/** The action ids of a recorded message's buttons and selects, accessories included. */
export const actionIds = (call: RecordedCall | undefined) =>
  ((call?.args['blocks'] as Block[] | undefined) ?? []).flatMap((b) => [...(b.elements ?? []), ...(b['accessory'] ? [b['accessory'] as { action_id?: string }] : [])]).map((e) => e.action_id).filter(Boolean);

/** A recorded message's blocks (or text) as one string to search. */
export const text = (call: RecordedCall | undefined) => JSON.stringify(call?.args['blocks'] ?? call?.args['text'] ?? '');
