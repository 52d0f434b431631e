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
  let line = 1;
  let lineStart = 0;
  let start = -1; // offset where the current statement's text began
  let startLine = 1;
  let startColumn = 1;
  let i = 0;
  const n = sql.length;

  const finish = (end: number, unterminated?: string): void => {
    if (start < 0) return;
    const text = sql.slice(start, end).trimEnd();
    if (text.length > 0) {
      const stmt: SplitStatement = { text, offset: start, line: startLine, column: startColumn, endLine: line, comments };
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
      finish(i);
      i += delimiter.length;
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
  return { statements, trailingComments: comments };
}
