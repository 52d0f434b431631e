import { parseStatement, type ParsedStatement } from '../sql/parse';
import type { SplitStatement } from '../sql/split';

/** One unit of work for a pool worker: consecutive statements of one file. */
export interface ParseTask {
  statements: SplitStatement[];
  /** Index of the first statement in the file. */
  firstIndex: number;
  maxStatementChars: number;
}

/** Runs inside a worker thread (named export: the pool asks for `parseTask`). */
export function parseTask(task: ParseTask): ParsedStatement[] {
  return task.statements.map((s, i) => parseStatement(s, task.firstIndex + i, task.maxStatementChars));
}
