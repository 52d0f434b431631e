import { createRequestApiGrantActions } from '../src/actions/request-api-grant-actions';

/** A fetch that records the call and answers with `status` and a problem body. */
function fakeFetch(status: number, body: unknown = {}) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fn = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(status === 202 ? '{}' : JSON.stringify(body), { status, headers: { 'content-type': 'application/problem+json' } });
  }) as unknown as typeof fetch;
  return { fn, calls };
}

describe('end now through request-api', () => {
  it('posts to the end route with the dashboard token and the admin as the acting user', async () => {
    const f = fakeFetch(202);
    await createRequestApiGrantActions({ baseUrl: 'http://request-api:3001/', token: 't'.repeat(32), fetch: f.fn }).endNow('01ARZ3NDEKTSV4RRFFQ69G5FAV', { email: 'carol@example.com', displayName: 'キャロル' });
    expect(f.calls[0]?.url).toBe('http://request-api:3001/v1/access-requests/01ARZ3NDEKTSV4RRFFQ69G5FAV/end');
    expect(f.calls[0]?.init.method).toBe('POST');
    expect(f.calls[0]?.init.headers).toEqual({ authorization: `Bearer ${'t'.repeat(32)}`, 'x-acting-user': 'carol@example.com' });
  });

  it("keeps request-api's refusal (code, kind, message) and blames the configuration for a refused token", async () => {
    const refused = fakeFetch(403, { code: 'END_NOT_ALLOWED', detail: 'Only the requester or an approver for prod can end this grant.' });
    await expect(createRequestApiGrantActions({ baseUrl: 'http://x', token: 't'.repeat(32), fetch: refused.fn }).endNow('01ARZ3NDEKTSV4RRFFQ69G5FAV', { email: 'dave@example.com' })).rejects.toMatchObject({
      code: 'END_NOT_ALLOWED',
      kind: 'forbidden',
      message: 'Only the requester or an approver for prod can end this grant.',
    });
    const conflict = fakeFetch(409, { code: 'ILLEGAL_TRANSITION', detail: 'Request X is revoked; it cannot be ended now.' });
    await expect(createRequestApiGrantActions({ baseUrl: 'http://x', token: 't'.repeat(32), fetch: conflict.fn }).endNow('01ARZ3NDEKTSV4RRFFQ69G5FAV', { email: 'carol@example.com' })).rejects.toMatchObject({ kind: 'conflict' });
    const badToken = fakeFetch(401, { code: 'AUTH_REQUIRED', detail: 'A valid bearer token is required' });
    await expect(createRequestApiGrantActions({ baseUrl: 'http://x', token: 't'.repeat(32), fetch: badToken.fn }).endNow('01ARZ3NDEKTSV4RRFFQ69G5FAV', { email: 'carol@example.com' })).rejects.toMatchObject({ code: 'REQUEST_API_TOKEN_REFUSED', kind: 'unavailable' });
    const noEmail = fakeFetch(202);
    await expect(createRequestApiGrantActions({ baseUrl: 'http://x', token: 't'.repeat(32), fetch: noEmail.fn }).endNow('01ARZ3NDEKTSV4RRFFQ69G5FAV', { displayName: 'ops' })).rejects.toMatchObject({ code: 'ADMIN_EMAIL_REQUIRED' });
    expect(noEmail.calls).toHaveLength(0);
  });
});
