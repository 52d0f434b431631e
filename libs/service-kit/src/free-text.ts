import { z } from 'zod';

// C0 and C1 controls, DEL, line/paragraph separators and the bidirectional overrides/isolates
// ("Trojan Source"): they hide or reorder what an approver reads and break logs and audit exports.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const SINGLE_LINE = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;
// The same, but an ordinary newline (\n, \r) and tab stay allowed in a multi-line field.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const MULTI_LINE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/**
 * Free text a person typed (a reason, a comment, a name): refused with a clear 400 when it holds
 * control characters. `multiline` keeps newlines and tabs.
 */
export function freeText(options: { max: number; min?: number; minMessage?: string; multiline?: boolean; trim?: boolean }) {
  let schema = z.string();
  if (options.trim !== false) schema = schema.trim();
  if (options.min !== undefined) schema = schema.min(options.min, options.minMessage);
  return schema
    .max(options.max)
    .refine((s) => !(options.multiline ? MULTI_LINE : SINGLE_LINE).test(s), {
      message: options.multiline ? 'must not contain control characters (newlines and tabs are fine)' : 'must not contain control characters or line breaks',
    });
}
