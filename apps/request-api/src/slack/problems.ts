import { REQUEST_FIELDS } from '@dbre/slack';

type Field = keyof typeof REQUEST_FIELDS;

/**
 * Places the REST API's refusal reasons under the modal field they are about (Slack shows
 * them inline); anything unplaced goes under the cluster, the first field.
 */
export function problemsByField(problem: { detail?: string; code?: string; errors?: Array<{ path: string; message: string }>; problems?: string[] }): Partial<Record<Field, string>> {
  const lines = problem.problems ?? problem.errors?.map((e) => `${e.path.replace(/^body\.?/, '')}: ${e.message}`) ?? (problem.detail ? [problem.detail] : ['The request was refused.']);
  const out: Partial<Record<Field, string>> = {};
  for (const line of lines) {
    const field = fieldOf(line);
    const text = line.replace(/^[a-zA-Z.]+: /, '');
    out[field] = out[field] ? `${out[field]}; ${text}` : text;
  }
  return out;
}

function fieldOf(line: string): Field {
  const l = line.toLowerCase();
  if (/^ticketurl/.test(l)) return 'ticket';
  if (/^startat/.test(l)) return 'startAt';
  if (/^reason/.test(l)) return 'reason';
  if (/^database/.test(l)) return 'database';
  if (/^durationminutes|duration/.test(l)) return 'duration';
  if (/^profile|profile "/.test(l)) return 'profile';
  return 'cluster';
}
