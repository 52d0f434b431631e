import { html, type SafeHtml } from '../html/html';

interface ProblemBody {
  detail?: string;
  code?: string;
  errors?: Array<{ path: string; message: string }>;
}

const TITLES: Record<number, string> = {
  400: 'That request was not understood',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Not possible now',
  413: 'Too large',
  503: 'Temporarily unavailable',
};

/** A refusal or failure as a page a person can act on: what happened, and where to go next. */
export function errorPage(status: number, problem: ProblemBody, path: string): { title: string; body: SafeHtml } {
  const title = TITLES[status] ?? (status >= 500 ? 'Something went wrong' : 'Request refused');
  const filters = path.startsWith('/requests') && status === 400;
  const detail =
    problem.errors && problem.errors.length
      ? html`<ul>${problem.errors.map((e) => html`<li><strong>${e.path.replace(/^querystring\./, '')}</strong>: ${e.message}</li>`)}</ul>`
      : html`<p>${problem.detail ?? 'No detail was given.'}</p>`;
  return {
    title,
    body: html`<div class="card" data-error="${status}" role="alert">
${filters ? html`<p>One of the filters is not valid:</p>` : ''}${detail}
<p class="muted">${status}${problem.code ? html` · <span class="mono">${problem.code}</span>` : ''}</p>
</div>
<p>${filters ? html`<a href="/requests">Reset the filters</a> · ` : ''}<a href="/">Overview</a> · <a href="/grants">Live grants</a> · <a href="/requests">Requests</a></p>`,
  };
}
