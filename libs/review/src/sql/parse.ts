import type { Token } from 'antlr4ng';
// The MySQL parser alone: the package's index loads all eight dialects (20 MB of generated ANTLR parsers).
import { MySQL } from 'dt-sql-parser/dist/parser/mysql';
import type { ParseError } from 'dt-sql-parser/dist/parser/common/parseErrorListener';
import type { ProgramContext } from 'dt-sql-parser/dist/lib/mysql/MySqlParser';
import { buildModel } from './build-model';
import type { Pos, StatementModel } from './model';
import { splitStatements, type SplitStatement } from './split';

export interface ParsedStatement {
  index: number;
  text: string;
  line: number;
  column: number;
  endLine: number;
  comments: string[];
  model?: StatementModel;
  /** Why the statement could not be read; rules skip it. `budget`: parsing ran over its time budget. */
  error?: { message: string; pos: Pos; code?: 'budget' };
}

export interface ParsedFile {
  statements: ParsedStatement[];
  trailingComments: string[];
}

export interface ParseOptions {
  /** Statements longer than this are reported, not parsed (ANTLR's cost grows with length). */
  maxStatementChars?: number;
}

export const DEFAULT_MAX_STATEMENT = 256 * 1024;
/** ANTLR's recursive descent is slow past a few dozen nested parentheses (and overflows at ~2,000). */
const MAX_NESTING = 48;

function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 40) {
      depth += 1;
      if (depth > max) max = depth;
    } else if (c === 41 && depth > 0) depth -= 1;
  }
  return max;
}

/** One MySQL parser per process: antlr's prediction cache is shared and warms up. */
let parser: MySQL | undefined;
function mysql(): MySQL {
  parser ??= new MySQL();
  return parser;
}

/** Positions in a statement (1-based line, 0-based column) -> positions in the file (1-based both). */
export function positionIn(stmt: Pick<SplitStatement, 'line' | 'column'>, line: number, column0: number): Pos {
  return line <= 1 ? { line: stmt.line, column: stmt.column + column0 } : { line: stmt.line + line - 1, column: column0 + 1 };
}

/** Parses one statement's text into a tree, collecting syntax errors instead of throwing. */
export function parseTree(text: string): { tree: ProgramContext; errors: ParseError[] } {
  const errors: ParseError[] = [];
  const tree = mysql().parse(text, (e) => {
    if (errors.length < 5) errors.push(e);
  });
  return { tree, errors };
}

interface Fallback {
  text: string;
  /** `ALTER TABLE ... PARTITION BY ...`, blanked out of `text` and added to the model as a clause. */
  partitionBy?: { offset: number; text: string };
}

function safeParse(text: string): { tree: ProgramContext; errors: ParseError[] } | undefined {
  try {
    return parseTree(text);
  } catch {
    return undefined;
  }
}

/** Blanks `text[from, to)` with spaces, keeping newlines so line numbers stay. */
function blank(text: string, from: number, to: number): string {
  return text.slice(0, from) + text.slice(from, to).replace(/[^\n]/g, ' ') + text.slice(to);
}

/**
 * Rewrites for valid MySQL that dt-sql-parser's grammar refuses, each keeping every other
 * character in place: `PRIMARY KEY pk_name (a)` (MySQL accepts and ignores the name) and
 * `ALTER TABLE t [..., ] PARTITION BY ...` (adding partitioning by ALTER).
 */
export function fallback(text: string): Fallback | undefined {
  let out = text;
  let changed = false;
  for (const m of text.matchAll(/\bPRIMARY\s+KEY\s+(`(?:[^`]|``)+`|(?!USING\b)[A-Za-z_][A-Za-z0-9_$]*)\s*\(/gi)) {
    const name = m[1] ?? '';
    const from = (m.index ?? 0) + m[0].indexOf(name, 'PRIMARY KEY'.length);
    out = blank(out, from, from + name.length);
    changed = true;
  }
  let partitionBy: Fallback['partitionBy'];
  if (/^\s*ALTER\s+(?:ONLINE\s+|IGNORE\s+)?TABLE\b/i.test(text)) {
    const m = /(,\s*)?\bPARTITION\s+BY\b/i.exec(out);
    if (m) {
      const clause = (m.index ?? 0) + (m[1]?.length ?? 0);
      partitionBy = { offset: clause, text: text.slice(clause).trim() };
      out = blank(out, m.index ?? 0, out.length);
      changed = true;
    }
  }
  if (!changed) return undefined;
  return partitionBy ? { text: out, partitionBy } : { text: out };
}

/** Splits a file (a leading byte-order mark is blanked, so columns stay right). */
export function splitForParse(sql: string): ReturnType<typeof splitStatements> {
  return splitStatements(sql.charCodeAt(0) === 0xfeff ? ` ${sql.slice(1)}` : sql);
}

export function parseSql(sql: string, options: ParseOptions = {}): ParsedFile {
  const max = options.maxStatementChars ?? DEFAULT_MAX_STATEMENT;
  const split = splitForParse(sql);
  return { statements: split.statements.map((s, index) => parseStatement(s, index, max)), trailingComments: split.trailingComments };
}

/** Parses one statement of a split file; never throws. Runs in the caller's thread or a pool worker. */
export function parseStatement(s: SplitStatement, index: number, max = DEFAULT_MAX_STATEMENT): ParsedStatement {
  const out: ParsedStatement = { index, text: s.text, line: s.line, column: s.column, endLine: s.endLine, comments: s.comments };
  const start = { line: s.line, column: s.column };
  if (s.unterminated) {
    const what = s.unterminated === '/*' ? 'a /* comment' : `a ${s.unterminated} quote`;
    out.error = { message: `The file ends inside ${what} opened in this statement; the statement cannot be read.`, pos: start };
    return out;
  }
  if (s.text.length > max) {
    out.error = { message: `This statement is ${s.text.length} characters long, over the ${max} the reviewer parses; split it or review it by hand.`, pos: start };
    return out;
  }
  const depth = nestingDepth(s.text);
  if (depth > MAX_NESTING) {
    out.error = { message: `This statement nests parentheses ${depth} levels deep, over the ${MAX_NESTING} the reviewer parses; review it by hand.`, pos: start };
    return out;
  }
  if (s.text.includes('\u0000')) {
    out.error = { message: 'This statement contains NUL bytes (binary data?); it was not parsed.', pos: start };
    return out;
  }
  let parsed: { tree: ProgramContext; errors: ParseError[] };
  try {
    parsed = parseTree(s.text);
  } catch (err) {
    out.error = { message: `The parser failed on this statement: ${(err as Error).message}`, pos: start };
    return out;
  }
  const first = parsed.errors[0];
  let patch: Fallback | undefined;
  if (first) {
    // Valid MySQL the grammar misses: retry once with a same-length rewrite (positions stay right).
    patch = fallback(s.text);
    const retried = patch ? safeParse(patch.text) : undefined;
    if (!patch || !retried || retried.errors.length) {
      out.error = { message: first.message, pos: positionIn(s, first.startLine, first.startColumn - 1) };
      return out;
    }
    parsed = retried;
  }
  const pos = (token: Token | null | undefined): Pos => (token ? positionIn(s, token.line, token.column) : start);
  try {
    out.model = buildModel(parsed.tree, patch?.text ?? s.text, pos);
    if (patch?.partitionBy && out.model.kind === 'alter_table') {
      const at = patch.partitionBy.offset;
      const before = s.text.slice(0, at);
      const line = before.split('\n').length;
      const column0 = at - (before.lastIndexOf('\n') + 1);
      out.model.actions.push({ op: 'partition', what: 'PARTITION BY', text: patch.partitionBy.text, pos: positionIn(s, line, column0) });
    }
  } catch (err) {
    out.error = { message: `The statement parsed but could not be modelled: ${(err as Error).message}`, pos: start };
  }
  return out;
}
