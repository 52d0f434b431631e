import { accessRequestSchema } from '@dbre/domain';
import { accessRequestResponse, EXAMPLE_ACCESS_REQUEST, EXAMPLE_NEW_REQUEST, followResponse, requestPageResponse } from '../src';

// What request-api and approval-api document: examples that are valid answers.

describe('the access request in the API documents', () => {
  it('documents an answer with its description and the active example, or the example given', () => {
    expect(accessRequestResponse('The request after approval')).toMatchObject({ description: 'The request after approval', examples: [EXAMPLE_ACCESS_REQUEST], type: 'object' });
    expect(accessRequestResponse('The new request', EXAMPLE_NEW_REQUEST)).toMatchObject({ description: 'The new request', examples: [EXAMPLE_NEW_REQUEST] });
  });

  it('its examples are valid requests: an active grant, and a new request with no decision yet', () => {
    expect(accessRequestSchema.parse(EXAMPLE_ACCESS_REQUEST)).toEqual(EXAMPLE_ACCESS_REQUEST);
    expect(EXAMPLE_ACCESS_REQUEST).toMatchObject({ state: 'active', requestedAt: '2026-12-02T09:00:00.000Z', activeAt: '2026-12-02T09:04:00.000Z', endsAt: '2026-12-02T10:04:00.000Z' });
    expect(accessRequestSchema.parse(EXAMPLE_NEW_REQUEST)).toEqual(EXAMPLE_NEW_REQUEST);
    expect(EXAMPLE_NEW_REQUEST).toMatchObject({ state: 'requested', approvals: [], resources: {}, version: 1, updatedAt: '2026-12-02T09:00:00.000Z' });
    for (const k of ['decidedAt', 'activeAt', 'endsAt']) expect(EXAMPLE_NEW_REQUEST).not.toHaveProperty(k);
  });

  it('the follow example’s chain verdict names the head of its timeline', () => {
    const [example] = followResponse['examples'] as [{ timeline: { hash: string; prevHash: string }[]; chain: { headHash: string; count: number } }];
    expect(example.chain).toEqual({ ok: true, count: 2, headHash: example.timeline[1]!.hash });
    expect(example.timeline[1]!.prevHash).toBe(example.timeline[0]!.hash);
    expect(requestPageResponse['description']).toBe('One page of requests, newest first');
  });
});
