/**
 * Splits a SQL file into statements in one linear pass: quotes, backticks, `--`/`#`/`/* *\/`
 * comments and `DELIMITER` lines are honoured, so a `;` inside a string or a trigger body does
 * not cut a statement. Comments before a statement travel with it (they carry suppressions).
 */
export interface SplitStatement {
  /** The statement without its delimiter. */
  text: string;
  /** Offset of the first character of `text` in the file. */
  offset: number;
  /** 1-based line and column where `text` starts. */
  line: number;
  column: number;
  endLine: number;
  /** Comments between the previous statement and this one, and inside this one. */
  comments: string[];
  /** Set when the file ended inside a quote or comment. */
  unterminated?: string;
  /** What ended the statement: the current delimiter, a `;` inside a DELIMITER block, or the end of the file. */
  endedBy?: 'delimiter' | 'semicolon' | 'eof';
  /** Offset just past the statement's last character (before its delimiter). */
  end?: number;
  /** Counts DELIMITER lines before the statement: routine bodies are never joined across one. */
  delimiterEpoch?: number;
}

export interface SplitResult {
  statements: SplitStatement[];
  /** Comments after the last statement (file-level suppressions may live there). */
  trailingComments: string[];
}

const DELIMITER_LINE = /^[ \t]*delimiter[ \t]+(\S+)[ \t]*(?:\r?\n|$)/i;

export function splitStatements(sql: string): SplitResult {
  const statements: SplitStatement[] = [];
  let comments: string[] = [];
  let delimiter = ';';
  let epoch = 0;
  let line = 1;
  let lineStart = 0;
  let start = -1; // offset where the current statement's text began
  let startLine = 1;
  let startColumn = 1;
  let i = 0;
  const n = sql.length;

  const finish = (end: number, unterminated?: string, endedBy: SplitStatement['endedBy'] = 'eof'): void => {
    if (start < 0) return;
    const text = sql.slice(start, end).trimEnd();
    if (text.length > 0) {
      const stmt: SplitStatement = { text, offset: start, line: startLine, column: startColumn, endLine: line, comments, endedBy, end: start + text.length, delimiterEpoch: epoch };
      if (unterminated) stmt.unterminated = unterminated;
      statements.push(stmt);
      comments = [];
    }
    start = -1;
  };
  const begin = (): void => {
    if (start >= 0) return;
    start = i;
    startLine = line;
    startColumn = i - lineStart + 1;
  };
  const newline = (at: number): void => {
    line += 1;
    lineStart = at + 1;
  };

  while (i < n) {
    const ch = sql.charCodeAt(i);
    // DELIMITER is a client command: only at the start of a line, outside a statement.
    if (start < 0 && i === lineStart && (ch === 100 || ch === 68 || ch === 32 || ch === 9)) {
      const m = DELIMITER_LINE.exec(sql.slice(i, i + 200));
      if (m && m[1]) {
        delimiter = m[1];
        epoch += 1;
        i += m[0].length;
        if (m[0].endsWith('\n')) newline(i - 1);
        continue;
      }
    }
    if (ch === 10) {
      newline(i);
      i += 1;
      continue;
    }
    if (ch === 32 || ch === 9 || ch === 13) {
      i += 1;
      continue;
    }
    // Comments: `-- ` (MySQL wants a space or end of line after the dashes), `#`, `/* */`.
    const next = sql.charCodeAt(i + 1);
    if ((ch === 45 && next === 45 && (i + 2 >= n || /\s/.test(sql[i + 2] ?? ''))) || ch === 35) {
      let end = sql.indexOf('\n', i);
      if (end < 0) end = n;
      comments.push(sql.slice(i, end));
      i = end;
      continue;
    }
    if (ch === 47 && next === 42 && sql.charCodeAt(i + 2) !== 33) {
      const end = sql.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      const body = sql.slice(i, stop);
      comments.push(body);
      if (end < 0) {
        begin();
        for (let k = i; k < stop; k++) if (sql.charCodeAt(k) === 10) newline(k);
        finish(n, '/*');
        i = n;
        break;
      }
      for (let k = i; k < stop; k++) if (sql.charCodeAt(k) === 10) newline(k);
      i = stop;
      continue;
    }
    if (sql.startsWith(delimiter, i)) {
      finish(i, undefined, delimiter === ';' ? 'semicolon' : 'delimiter');
      i += delimiter.length;
      continue;
    }
    // Inside a DELIMITER block a `;` still ends a statement unless it belongs to a routine body:
    // pieces are cut here and routine bodies are joined again below, so nothing can hide a statement.
    if (ch === 59) {
      finish(i, undefined, 'semicolon');
      i += 1;
      continue;
    }
    begin();
    if (ch === 39 || ch === 34 || ch === 96) {
      // '...', "..." (backslash escapes and doubled quotes), `...` (doubled backticks only).
      const quote = ch;
      let k = i + 1;
      let closed = false;
      while (k < n) {
        const c = sql.charCodeAt(k);
        if (c === 10) newline(k);
        if (c === 92 && quote !== 96) {
          if (sql.charCodeAt(k + 1) === 10) newline(k + 1);
          k += 2;
          continue;
        }
        if (c === quote) {
          if (sql.charCodeAt(k + 1) === quote) {
            k += 2;
            continue;
          }
          closed = true;
          break;
        }
        k += 1;
      }
      if (!closed) {
        i = n;
        finish(n, String.fromCharCode(quote));
        break;
      }
      i = k + 1;
      continue;
    }
    i += 1;
  }
  finish(n);
  return { statements: joinRoutineBodies(sql, statements), trailingComments: comments };
}

/** CREATE [OR REPLACE] [DEFINER=...] [SQL SECURITY ...] [AGGREGATE] PROCEDURE|FUNCTION|TRIGGER|EVENT */
const ROUTINE_HEAD = /^create\s+(?:or\s+replace\s+)?(?:definer\s*=\s*(?:`[^`]*`|'[^']*'|"[^"]*"|[^\s@]+)(?:\s*@\s*(?:`[^`]*`|'[^']*'|"[^"]*"|[^\s]+))?\s+)?(?:sql\s+security\s+\w+\s+)?(?:aggregate\s+)?(procedure|function|trigger|event)\b/i;

export function isRoutineHead(text: string): boolean {
  return ROUTINE_HEAD.test(text);
}

/**
 * Depth of open BEGIN/CASE/IF/LOOP/REPEAT/WHILE blocks at the end of `text` (quotes and comments
 * skipped). `IF(`/`REPEAT(` are functions, `IF [NOT] EXISTS` a clause; `END IF` closes one block.
 */
export function blockDepth(text: string): number {
  let depth = 0;
  const re = /'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|`(?:[^`]|``)*`|--[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\/|[A-Za-z_][A-Za-z0-9_$]*/g;
  let m: RegExpExecArray | null;
  let skipNext = false;
  while ((m = re.exec(text))) {
    const w = m[0];
    const c = w.charCodeAt(0);
    if (c === 39 || c === 34 || c === 96 || c === 45 || c === 35 || c === 47) continue;
    const up = w.toUpperCase();
    if (skipNext) {
      skipNext = false;
      if (up === 'IF' || up === 'LOOP' || up === 'CASE' || up === 'WHILE' || up === 'REPEAT') continue;
    }
    if (up === 'END') {
      if (depth > 0) depth -= 1;
      skipNext = true;
      continue;
    }
    if (up === 'BEGIN' || up === 'CASE' || up === 'LOOP' || up === 'WHILE' || up === 'REPEAT' || up === 'IF') {
      const rest = text.slice(re.lastIndex, re.lastIndex + 16);
      if ((up === 'IF' || up === 'REPEAT') && /^\s*\(/.test(rest)) continue;
      if (up === 'IF' && /^\s+(?:not\s+)?exists\b/i.test(rest)) continue;
      if (up === 'BEGIN' && /^\s*(?:work\b|$)/i.test(rest)) continue;
      depth += 1;
    }
  }
  return depth;
}

/**
 * A routine (procedure, function, trigger, event) whose body holds `;` was cut at each of them:
 * join the pieces until its BEGIN ... END blocks close. If they never close (before the file ends,
 * or a DELIMITER ends the block), the pieces stay apart and each is reviewed or reported unreadable:
 * a statement after a broken routine is never swallowed by it.
 */
function joinRoutineBodies(sql: string, pieces: SplitStatement[]): SplitStatement[] {
  const out: SplitStatement[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const first = pieces[i] as SplitStatement;
    if (first.endedBy !== 'semicolon' || first.unterminated || !isRoutineHead(first.text) || blockDepth(first.text) === 0) {
      out.push(first);
      continue;
    }
    let j = i;
    let closed = false;
    while (j + 1 < pieces.length) {
      j += 1;
      const piece = pieces[j] as SplitStatement;
      if (piece.unterminated || piece.delimiterEpoch !== first.delimiterEpoch) break;
      const text = sql.slice(first.offset, piece.end ?? piece.offset + piece.text.length);
      if (blockDepth(text) === 0) {
        closed = true;
        break;
      }
      if (piece.endedBy !== 'semicolon') break;
    }
    if (!closed) {
      out.push(first);
      continue;
    }
    const last = pieces[j] as SplitStatement;
    const joined: SplitStatement = {
      text: sql.slice(first.offset, last.end ?? last.offset + last.text.length),
      offset: first.offset,
      line: first.line,
      column: first.column,
      endLine: last.endLine,
      comments: pieces.slice(i, j + 1).flatMap((p) => p.comments),
      endedBy: last.endedBy ?? 'eof',
      end: last.end ?? last.offset + last.text.length,
    };
    out.push(joined);
    i = j;
  }
  return out;
}
