import { createHash } from 'node:crypto';
import type { ReviewResult } from '../engine';
import { buildUserPrompt, DEFAULT_GUIDELINE, SYSTEM_PROMPT } from './prompt';
import { aiAnswer, type AiAnswer, type AiCache, type AiOpinion, type AiProvider } from './types';

export interface SecondOpinionOptions {
  provider: AiProvider;
  sql: string;
  result: ReviewResult;
  guideline?: string;
  timeoutMs?: number;
  cache?: AiCache;
}

/** Models often wrap JSON in ``` fences or a sentence: take the outermost object. */
export function extractJson(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  const body = fenced?.[1] ?? text;
  const start = body.indexOf('{');
  const end = body.lastIndexOf('}');
  if (start < 0 || end <= start) throw new Error('no JSON object in the answer');
  return JSON.parse(body.slice(start, end + 1));
}

function validate(text: string, result: ReviewResult): AiAnswer {
  const parsed = aiAnswer.safeParse(extractJson(text));
  if (!parsed.success) throw new Error(`the answer does not match the expected JSON (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})`);
  // A disagreement must name a finding that exists; anything else is noise.
  const ids = new Set(result.findings.map((f) => f.ruleId));
  return { ...parsed.data, disagreements: parsed.data.disagreements.filter((d) => ids.has(d.ruleId)) };
}

/**
 * Asks the model once, retries once on an invalid answer or a failed call, and otherwise reports
 * "unavailable" — the review itself never fails because of the AI. Answers are cached by a hash
 * of the model, the guideline, the DDL and the findings.
 */
export async function secondOpinion(options: SecondOpinionOptions): Promise<AiOpinion> {
  const { provider, result } = options;
  const guideline = options.guideline ?? DEFAULT_GUIDELINE;
  const user = buildUserPrompt(options.sql, result, guideline);
  const key = createHash('sha256').update(`${provider.name}\0${provider.model}\0${SYSTEM_PROMPT}\0${user}`).digest('hex');
  const base = { label: 'AI' as const, provider: provider.name, model: provider.model };
  const hit = options.cache?.get(key);
  if (hit) return { status: 'ok', ...base, cached: true, ...hit };
  const timeoutMs = options.timeoutMs ?? 20_000;
  let lastError = 'no answer';
  for (let attempt = 1; attempt <= 2; attempt++) {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      // Race the abort too: a provider that ignores its signal must not hold the review.
      const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('timeout')), { once: true }));
      const text = await Promise.race([provider.complete({ system: SYSTEM_PROMPT, user, signal }), aborted]);
      const answer = validate(text, result);
      options.cache?.set(key, answer);
      return { status: 'ok', ...base, cached: false, ...answer };
    } catch (err) {
      if (signal.aborted) return { status: 'unavailable', ...base, reason: `AI unavailable: no answer within ${timeoutMs} ms` };
      lastError = (err as Error).message;
    }
  }
  return { status: 'unavailable', ...base, reason: `AI unavailable: ${lastError} (after one retry)` };
}
