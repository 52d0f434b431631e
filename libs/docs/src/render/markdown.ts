import { posix } from 'node:path';

/** Markdown helpers. Everything here is pure, so the same input gives byte-identical pages. */

/** Plain text in Markdown (table cells included): no formatting, no HTML, one line. */
export function escText(value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    .replace(/[\\`*_[\]<>|#~]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`))
    .replace(/\n/g, '<br>');
}

/** An inline code span that survives backticks and pipes (for identifiers and values). */
export function code(value: string): string {
  if (value === '') return '';
  const oneLine = value.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(oneLine.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  const pad = oneLine.startsWith('`') || oneLine.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${oneLine}${pad}${fence}`;
}

/** A fenced block with a fence longer than any backtick run inside. */
export function codeBlock(lang: string, body: string): string {
  const longest = Math.max(2, ...(body.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${body.replace(/\r\n?/g, '\n').replace(/\n+$/, '')}\n${fence}`;
}

export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  if (rows.length === 0) return '';
  const line = (cells: readonly string[]) => `| ${cells.map((c) => (c === '' ? ' ' : c)).join(' | ')} |`;
  return [line(headers), `|${headers.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

/** 1536 -> "1.5 KiB"; deterministic, binary units. */
export function bytes(n: number | null): string {
  if (n === null) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

export function count(n: number | null): string {
  if (n === null) return '';
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * A file or folder name for any identifier: letters (any script), digits, `_` and `-` stay;
 * everything else (`.`, `/`, spaces, `%`) becomes %XX, so names never collide with `..`,
 * never hide a file and never leave their folder.
 */
export function segment(identifier: string): string {
  if (identifier === '') return '%00';
  let out = '';
  for (const ch of identifier) {
    if (/[\p{L}\p{N}_-]/u.test(ch)) out += ch;
    else out += [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

/** A relative Markdown link target from one sink path to another, URL-encoded. */
export function href(from: string, to: string): string {
  const rel = posix.relative(posix.dirname(from), to) || posix.basename(to);
  return rel
    .split('/')
    .map((s) => (s === '..' ? s : encodeURIComponent(s)))
    .join('/');
}

export function link(text: string, from: string, to: string): string {
  return `[${text}](${href(from, to)})`;
}
