import path from 'node:path';
import { Piscina } from 'piscina';
import { reviewParsedFile, type ReviewOptions, type ReviewResult } from '../engine';
import { DEFAULT_MAX_STATEMENT, splitForParse, type ParsedFile, type ParsedStatement } from '../sql/parse';
import type { SplitStatement } from '../sql/split';
import type { ParseTask } from './parse-task';

/**
 * Parsing runs in worker threads so that one pathological statement (400 nested CASE took 26 s in
 * ANTLR) can never block the caller's event loop, and every statement has a time budget: a chunk
 * of statements over budget is retried one statement at a time, and a statement still over budget
 * becomes a finding (its worker is terminated and replaced). Rules run in the caller's thread on
 * the parsed models: they need the whole file in order and cost a fraction of the parse.
 */
export interface ReviewPool {
  review(sql: string, options?: ReviewOptions): Promise<ReviewResult>;
  parse(sql: string, options?: { maxStatementChars?: number }): Promise<ParsedFile>;
  readonly threads: number;
  close(): Promise<void>;
}

export interface ReviewPoolOptions {
  /** Worker entry exporting `parseTask`: the bundled `parse-worker.js` of an app, or this lib's `parse-worker.cjs` under tsx/Jest. */
  filename?: string;
  threads?: number;
  /** Time one statement may take to parse, ms (default 5,000). */
  statementBudgetMs?: number;
  /** Statements sent to a worker at once (default 64). */
  chunkStatements?: number;
}

/** The worker entry for code running from TypeScript sources (tsx, Jest). */
export const SOURCE_WORKER = path.join(__dirname, 'parse-worker.cjs');

export function createReviewPool(options: ReviewPoolOptions = {}): ReviewPool {
  const threads = Math.max(1, options.threads ?? 2);
  const budget = options.statementBudgetMs ?? 5_000;
  const chunkSize = Math.max(1, options.chunkStatements ?? 64);
  const piscina = new Piscina({ filename: options.filename ?? SOURCE_WORKER, name: 'parseTask', minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  // Tasks are handed over only when a worker is free, so a budget measures parsing, not queueing.
  let free = threads;
  const waiting: Array<() => void> = [];
  const acquire = (): Promise<void> => (free > 0 ? Promise.resolve(void (free -= 1)) : new Promise((resolve) => waiting.push(resolve)));
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else free += 1;
  };

  // Workers load the parser (~0.5 s bundled, more under tsx) before their first task, and a worker
  // stopped for running over budget is replaced by a fresh one: load every worker, unbudgeted,
  // before budgeted work starts again, so a budget never counts a worker's start-up.
  let cold = true;
  let warming: Promise<void> | undefined;
  const warmUp = async (): Promise<void> => {
    for (let i = 0; i < threads; i++) await acquire();
    try {
      const probe: SplitStatement = { text: 'SELECT 1', offset: 0, line: 1, column: 1, endLine: 1, comments: [] };
      await Promise.all(Array.from({ length: threads }, () => piscina.run({ statements: [probe], firstIndex: 0, maxStatementChars: 100 } satisfies ParseTask)));
      cold = false;
    } finally {
      for (let i = 0; i < threads; i++) release();
    }
  };
  const run = async (task: ParseTask, timeoutMs: number): Promise<ParsedStatement[]> => {
    while (cold) await (warming ??= warmUp().finally(() => (warming = undefined)));
    await acquire();
    try {
      return (await piscina.run(task, { signal: AbortSignal.timeout(timeoutMs) })) as ParsedStatement[];
    } catch (err) {
      if (isAbort(err)) cold = true;
      throw err;
    } finally {
      release();
    }
  };

  const overBudget = (s: SplitStatement, index: number): ParsedStatement => ({
    index,
    text: s.text,
    line: s.line,
    column: s.column,
    endLine: s.endLine,
    comments: s.comments,
    error: { code: 'budget', message: `Parsing this statement took longer than ${budget} ms (deep nesting or a very long expression); it was not reviewed. Simplify it or review it by hand.`, pos: { line: s.line, column: s.column } },
  });

  const parseChunk = async (statements: SplitStatement[], firstIndex: number, max: number): Promise<ParsedStatement[]> => {
    try {
      return await run({ statements, firstIndex, maxStatementChars: max }, budget);
    } catch (err) {
      if (!isAbort(err)) throw err;
    }
    // Over budget: find the statement(s) responsible, one at a time.
    const out: ParsedStatement[] = [];
    for (const [i, s] of statements.entries()) {
      try {
        out.push(...(await run({ statements: [s], firstIndex: firstIndex + i, maxStatementChars: max }, budget)));
      } catch (err) {
        if (!isAbort(err)) throw err;
        out.push(overBudget(s, firstIndex + i));
      }
    }
    return out;
  };

  const parse = async (sql: string, opts: { maxStatementChars?: number } = {}): Promise<ParsedFile> => {
    const max = opts.maxStatementChars ?? DEFAULT_MAX_STATEMENT;
    const split = splitForParse(sql);
    const chunks: Array<Promise<ParsedStatement[]>> = [];
    for (let i = 0; i < split.statements.length; i += chunkSize) chunks.push(parseChunk(split.statements.slice(i, i + chunkSize), i, max));
    const statements = (await Promise.all(chunks)).flat();
    return { statements, trailingComments: split.trailingComments };
  };

  return {
    threads,
    parse,
    async review(sql, reviewOptions = {}) {
      const parsed = await parse(sql, reviewOptions.maxStatementChars === undefined ? {} : { maxStatementChars: reviewOptions.maxStatementChars });
      return reviewParsedFile(parsed, reviewOptions);
    },
    close: () => piscina.destroy(),
  };
}

function isAbort(err: unknown): boolean {
  const e = err as { name?: string; code?: string } | undefined;
  return e?.name === 'AbortError' || e?.name === 'TimeoutError' || e?.code === 'ABORT_ERR';
}
