import { z } from 'zod';

/** What the model must answer: JSON, validated before anyone sees it. */
export const aiAnswer = z.object({
  summary: z.string().min(1).max(4000),
  comments: z
    .array(
      z.object({
        severity: z.enum(['error', 'warning', 'info']),
        line: z.number().int().positive().nullish(),
        message: z.string().min(1).max(2000),
        suggestion: z.string().max(2000).nullish(),
      }),
    )
    .max(50),
  /** Rule findings the model thinks are wrong: shown as its view, never removing the finding. */
  disagreements: z.array(z.object({ ruleId: z.string(), line: z.number().int().nullish(), reason: z.string().min(1).max(2000) })).max(50).default([]),
});
export type AiAnswer = z.output<typeof aiAnswer>;

export type AiOpinion =
  | ({ status: 'ok'; label: 'AI'; provider: string; model: string; cached: boolean } & AiAnswer)
  | { status: 'unavailable'; label: 'AI'; provider: string; model: string; reason: string };

export interface CompletionRequest {
  system: string;
  user: string;
  signal: AbortSignal;
}

/** One chat model: returns the raw text of its answer, or throws. */
export interface AiProvider {
  readonly name: string;
  readonly model: string;
  complete(request: CompletionRequest): Promise<string>;
}

export interface AiCache {
  get(key: string): AiAnswer | undefined;
  set(key: string, value: AiAnswer): void;
}

/** A small in-memory LRU: enough to keep a re-submitted review from paying twice. */
export function createMemoryAiCache(max = 200): AiCache {
  const map = new Map<string, AiAnswer>();
  return {
    get(key) {
      const v = map.get(key);
      if (v) {
        map.delete(key);
        map.set(key, v);
      }
      return v;
    },
    set(key, value) {
      map.set(key, value);
      while (map.size > max) {
        const oldest = map.keys().next().value;
        if (oldest === undefined) break;
        map.delete(oldest);
      }
    },
  };
}
