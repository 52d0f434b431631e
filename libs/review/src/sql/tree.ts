import type { ParserRuleContext, ParseTree, TerminalNode, Token } from 'antlr4ng';

/**
 * Small helpers over antlr4ng parse trees. Nodes are told apart by shape, not by antlr4ng's
 * classes, so a second copy of antlr4ng (ESM and CJS builds) cannot break `instanceof`.
 */

export function isTerminal(node: ParseTree | null | undefined): node is TerminalNode {
  return !!node && (node as Partial<TerminalNode>).symbol !== undefined;
}

export function isRule(node: ParseTree | null | undefined): node is ParserRuleContext {
  return !!node && !isTerminal(node);
}

export function kids(ctx: ParserRuleContext): ParseTree[] {
  return ctx.children ?? [];
}

type Ctor<T> = abstract new (...args: never[]) => T;

export function childOf<T>(ctx: ParserRuleContext, type: Ctor<T>): T | undefined {
  for (const c of kids(ctx)) if (c instanceof type) return c as T;
  return undefined;
}

export function childrenOf<T>(ctx: ParserRuleContext, type: Ctor<T>): T[] {
  const out: T[] = [];
  for (const c of kids(ctx)) if (c instanceof type) out.push(c as T);
  return out;
}

/** First descendant of a type, depth first (the node itself excluded). */
export function findFirst<T>(ctx: ParserRuleContext, type: Ctor<T>): T | undefined {
  for (const c of kids(ctx)) {
    if (c instanceof type) return c as T;
    if (isRule(c)) {
      const found = findFirst(c, type);
      if (found) return found;
    }
  }
  return undefined;
}

export function findAll<T>(ctx: ParserRuleContext, type: Ctor<T>, out: T[] = []): T[] {
  for (const c of kids(ctx)) {
    if (c instanceof type) out.push(c as T);
    if (isRule(c)) findAll(c, type, out);
  }
  return out;
}

/** Upper-case texts of the direct terminal children. */
export function keywords(ctx: ParserRuleContext): string[] {
  const out: string[] = [];
  for (const c of kids(ctx)) if (isTerminal(c)) out.push(c.getText().toUpperCase());
  return out;
}

export function hasKeyword(ctx: ParserRuleContext, word: string): boolean {
  for (const c of kids(ctx)) if (isTerminal(c) && c.getText().toUpperCase() === word) return true;
  return false;
}

/** The terminal that follows a keyword among the direct children (e.g. `ALGORITHM = INPLACE`). */
export function valueAfter(ctx: ParserRuleContext, word: string): string | undefined {
  const list = kids(ctx);
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (isTerminal(c) && c.getText().toUpperCase() === word) {
      let j = i + 1;
      if (list[j]?.getText() === '=') j += 1;
      const v = list[j];
      return v ? v.getText() : undefined;
    }
  }
  return undefined;
}

export function firstToken(node: ParseTree): Token | undefined {
  if (isTerminal(node)) return node.symbol;
  return (node as ParserRuleContext).start ?? undefined;
}

/** The source text of a node, with its original spacing. */
export function sourceText(ctx: ParserRuleContext, input: string): string {
  const start = ctx.start?.start ?? 0;
  const stop = ctx.stop?.stop ?? start - 1;
  return input.slice(start, stop + 1);
}

/** `name`, `` `na``me` `` or "name" -> the identifier. */
export function unquoteIdentifier(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && t.startsWith('`') && t.endsWith('`')) return t.slice(1, -1).replaceAll('``', '`');
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1).replaceAll('""', '"');
  return t;
}

/** Splits `db.t`, `` `d.b`.`t` `` on the dots outside backticks. */
export function splitQualified(text: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let inTick = false;
  for (const ch of text) {
    if (ch === '`') inTick = !inTick;
    if (ch === '.' && !inTick) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  parts.push(cur);
  return parts.map(unquoteIdentifier).filter((p) => p.length > 0);
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', Z: '\x1a', b: '\b' };

/** `'it''s'`, `_utf8mb4'x'`, `N'x'`, "x" -> the string value. */
export function unquoteString(text: string): string {
  let t = text.trim();
  const intro = /^(?:_[a-z0-9]+|n)(?=')/i.exec(t);
  if (intro) t = t.slice(intro[0].length);
  const q = t[0];
  if ((q !== "'" && q !== '"') || t.length < 2) return t;
  const body = t.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body.charAt(i);
    if (ch === '\\' && i + 1 < body.length) {
      const e = body.charAt(i + 1);
      out += ESCAPES[e] ?? e;
      i += 1;
    } else if (ch === q && body[i + 1] === q) {
      out += q;
      i += 1;
    } else out += ch;
  }
  return out;
}
