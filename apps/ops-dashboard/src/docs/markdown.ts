import { Marked, type Tokens } from 'marked';
import { escapeHtml, raw, type SafeHtml } from '../html/html';

/**
 * A link or image target in a published document: relative paths and in-page anchors (the docs
 * link to each other) and http(s) or mailto; any other scheme (javascript:, data:) is dropped.
 */
export function safeDocUrl(href: string): string | undefined {
  const h = href.trim();
  if (h === '' || [...h].some((c) => c.charCodeAt(0) < 0x20)) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(h)?.[1]?.toLowerCase();
  if (!scheme) return h.startsWith('//') ? undefined : h;
  return scheme === 'http' || scheme === 'https' || scheme === 'mailto' ? h : undefined;
}

/**
 * Markdown of the doc-crawler (table pages, changelogs) rendered with `marked`. The data in it
 * comes from the databases (table and column comments), so raw HTML is shown as text, never
 * rendered; links and images keep safe targets only; Mermaid blocks become `<pre class="mermaid">`
 * for the page's renderer and stay readable as text without it.
 */
const markdown = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(token.text);
    },
    code(token: Tokens.Code) {
      if (token.lang?.trim().toLowerCase() === 'mermaid') return `<pre class="mermaid">${escapeHtml(token.text)}</pre>\n`;
      const lang = token.lang && /^[a-z0-9_+-]{1,20}$/i.test(token.lang) ? ` class="language-${token.lang}"` : '';
      return `<pre class="code"><code${lang}>${escapeHtml(token.text)}</code></pre>\n`;
    },
    link(token: Tokens.Link) {
      const inner = this.parser.parseInline(token.tokens);
      const href = safeDocUrl(token.href);
      if (!href) return inner;
      const external = /^https?:/i.test(href);
      return `<a href="${escapeHtml(href)}"${token.title ? ` title="${escapeHtml(token.title)}"` : ''}${external ? ' rel="noopener noreferrer"' : ''}>${inner}</a>`;
    },
    image(token: Tokens.Image) {
      const src = safeDocUrl(token.href);
      if (!src) return escapeHtml(token.text);
      return `<img src="${escapeHtml(src)}" alt="${escapeHtml(token.text)}"${token.title ? ` title="${escapeHtml(token.title)}"` : ''} loading="lazy">`;
    },
  },
});

export function renderMarkdown(text: string): SafeHtml {
  return raw(markdown.parse(text, { async: false }));
}

/** Whether the rendered document has Mermaid diagrams (the page then loads the renderer). */
export function hasMermaid(rendered: SafeHtml): boolean {
  return rendered.value.includes('<pre class="mermaid">');
}
